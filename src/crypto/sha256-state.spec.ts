import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findNativeSha256Addon,
  initSha256Engine,
  SHA256_IMPL_ENV,
  sha256StateEngine,
  Sha256StateError,
  updateInSteps,
  type Sha256Engine,
  type Sha256EngineName,
} from './sha256-state';

const MiB = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** mulberry32: a seeded PRNG so every run splits the data identically. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pseudoRandomBytes(length: number, seed: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (rand() * 256) | 0;
  return out;
}

/**
 * Piece lengths covering the awkward cases: empty updates, single bytes, lengths around the
 * 64-byte block, small random ones and, every 150th piece, multi-MiB ones.
 */
function splitPlan(total: number, seed: number): number[] {
  const rand = prng(seed);
  const pieces: number[] = [];
  let left = total;
  while (left > 0) {
    const r = rand();
    let len: number;
    if (pieces.length % 150 === 149) len = Math.floor((1 + rand() * 2) * MiB);
    else if (r < 0.2) len = 0;
    else if (r < 0.45) len = 1;
    else if (r < 0.6) len = [63, 64, 65, 127, 128, 129][Math.floor(rand() * 6)];
    else len = Math.floor(rand() * 300);
    len = Math.min(len, left);
    pieces.push(len);
    left -= len;
  }
  pieces.push(0);
  return pieces;
}

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Round-trips the state as a database would hand it back: a copy at a non-zero byteOffset. */
function persisted(state: Buffer): Buffer {
  const pool = Buffer.alloc(state.length + 37);
  state.copy(pool, 13);
  return pool.subarray(13, 13 + state.length);
}

const DATA = pseudoRandomBytes(6 * MiB + 123, 1);

// Hermetic whatever the caller's environment says; tests set the variable themselves.
const savedEnv = process.env[SHA256_IMPL_ENV];
beforeEach(() => delete process.env[SHA256_IMPL_ENV]);
afterAll(() => {
  if (savedEnv === undefined) delete process.env[SHA256_IMPL_ENV];
  else process.env[SHA256_IMPL_ENV] = savedEnv;
});

function engineSuite(name: Sha256EngineName): void {
  let engine: Sha256Engine;
  beforeAll(async () => {
    delete process.env[SHA256_IMPL_ENV];
    engine = await initSha256Engine(name);
  });

  it('is the requested engine and tags its states', () => {
    expect(engine.name).toBe(name);
    expect(sha256StateEngine(engine.update(null, Buffer.from('x')))).toBe(name);
  });

  it('digests nothing as the empty string', () => {
    expect(engine.digestHex(null)).toBe(EMPTY_SHA256);
    expect(engine.digestHex(engine.update(null, Buffer.alloc(0)))).toBe(EMPTY_SHA256);
    expect(engine.digest(null)).toEqual(Buffer.from(EMPTY_SHA256, 'hex'));
  });

  it.each([2, 3, 4])('matches node:crypto across resumed random splits (seed %i)', (seed) => {
    let state: Buffer | null = null;
    let offset = 0;
    const plan = splitPlan(DATA.length, seed);
    expect(plan.length).toBeGreaterThan(300);
    expect(Math.max(...plan)).toBeGreaterThan(MiB);
    for (const len of plan) {
      state = engine.update(
        state === null ? null : persisted(state),
        DATA.subarray(offset, offset + len),
      );
      offset += len;
    }
    expect(offset).toBe(DATA.length);
    expect(engine.digestHex(state)).toBe(sha256Hex(DATA));
  });

  it('digests prefixes without consuming or mutating the state', () => {
    const data = DATA.subarray(0, 5000);
    let state = engine.update(null, data.subarray(0, 1000));
    const before = Buffer.from(state);
    expect(engine.digestHex(state)).toBe(sha256Hex(data.subarray(0, 1000)));
    const next = engine.update(state, data.subarray(1000, 3333));
    expect(state).toEqual(before);
    expect(engine.digestHex(state)).toBe(sha256Hex(data.subarray(0, 1000)));
    state = engine.update(next, data.subarray(3333));
    expect(engine.digestHex(state)).toBe(sha256Hex(data));
  });

  it('accepts plain Uint8Array data and states', () => {
    const data = new Uint8Array(DATA.buffer, DATA.byteOffset + 7, 200);
    const state = engine.update(null, data);
    expect(engine.digestHex(new Uint8Array(state))).toBe(sha256Hex(data));
  });

  it('hashes in steps to the same state as in one update, with the event loop free between steps', async () => {
    for (const length of [1, MiB - 1, MiB, MiB + 1, 3 * MiB + 17]) {
      const data = DATA.subarray(0, length);
      const prefix = engine.update(null, Buffer.from('earlier part'));
      let turns = 0;
      let hashing = true;
      const spin = (): void => {
        turns++;
        if (hashing) setImmediate(spin);
      };
      setImmediate(spin);
      const stepped = await updateInSteps(engine, prefix, data);
      hashing = false;
      expect(stepped).toEqual(engine.update(prefix, data));
      if (length > 3 * MiB) expect(turns).toBeGreaterThanOrEqual(3);
    }
  });

  it('refuses states that are not its own', () => {
    const state = engine.update(null, Buffer.from('abc'));
    const other = Buffer.from(state);
    other[0] = name === 'native' ? 0x57 : 0x4e;
    expect(() => engine.update(other, Buffer.from('d'))).toThrow(/written by the .* engine/);
    expect(() => engine.digestHex(Buffer.from([0x00, 1, 2]))).toThrow(Sha256StateError);
    expect(() => engine.digestHex(Buffer.alloc(0))).toThrow(Sha256StateError);
    expect(() => engine.digestHex(state.subarray(0, state.length - 1))).toThrow(Sha256StateError);
  });
}

describe('wasm engine', () => engineSuite('wasm'));

/**
 * Where scripts/build-native.js puts the addon, found here on its own rather than through the
 * lookup under test. Whether it should be there is decided from the machine: node-gyp builds it
 * wherever python3, make, a C compiler and the node headers are present, so there its absence
 * is a broken install and fails the suite; elsewhere the wasm fallback is the documented engine.
 */
const ADDON = path.resolve(
  __dirname,
  '..',
  '..',
  'native',
  'sha256',
  'build',
  'Release',
  'sha256.node',
);
const onPath = (command: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const nodeHeaders = fs.existsSync(
  path.join(path.dirname(process.execPath), '..', 'include', 'node', 'node_api.h'),
);
const canBuildNative =
  onPath('python3') && onPath('make') && (onPath('cc') || onPath('gcc')) && nodeHeaders;
const nativeBuilt = fs.existsSync(ADDON);

describe('native addon', () => {
  (canBuildNative ? it : it.skip)(
    canBuildNative
      ? 'is built, since this machine has what node-gyp needs'
      : 'is built where it can be (SKIPPED: no python3, make, C compiler or node headers here)',
    () => {
      // If this fails: `npm run build:native -- --verbose` says why the build did not happen.
      expect({ addon: ADDON, built: nativeBuilt }).toEqual({ addon: ADDON, built: true });
    },
  );

  (nativeBuilt ? it : it.skip)('is the file the engine lookup finds', () => {
    expect(findNativeSha256Addon()).toBe(ADDON);
  });
});

(nativeBuilt ? describe : describe.skip)(
  nativeBuilt ? 'native engine' : 'native engine (SKIPPED: addon not built)',
  () => {
    engineSuite('native');

    it('refuses a corrupt context that would overrun the block buffer', async () => {
      const engine = await initSha256Engine('native');
      const state = engine.update(null, Buffer.from('abc'));
      const corrupt = Buffer.from(state);
      corrupt.writeUInt32LE(4096, corrupt.length - 8); // SHA256_CTX.num
      expect(() => engine.update(corrupt, Buffer.from('d'))).toThrow(Sha256StateError);
      expect(() => engine.digest(corrupt)).toThrow(/corrupt/);
    });

    it('states are not interchangeable with the wasm engine', async () => {
      const native = await initSha256Engine('native');
      const wasm = await initSha256Engine('wasm');
      const fromNative = native.update(null, Buffer.from('abc'));
      const fromWasm = wasm.update(null, Buffer.from('abc'));
      expect(() => wasm.update(fromNative, Buffer.from('d'))).toThrow(Sha256StateError);
      expect(() => native.update(fromWasm, Buffer.from('d'))).toThrow(Sha256StateError);
      expect(() => wasm.digestHex(fromNative)).toThrow(/written by the native engine/);
    });
  },
);

describe('engine selection', () => {
  it('prefers native when built, else wasm', async () => {
    expect((await initSha256Engine()).name).toBe(nativeBuilt ? 'native' : 'wasm');
    expect((await initSha256Engine('native')).name).toBe(nativeBuilt ? 'native' : 'wasm');
    expect((await initSha256Engine('wasm')).name).toBe('wasm');
  });

  it('lets the environment override the preference', async () => {
    process.env[SHA256_IMPL_ENV] = 'wasm';
    expect((await initSha256Engine('native')).name).toBe('wasm');
    expect((await initSha256Engine('native')).name).toBe('wasm');
    process.env[SHA256_IMPL_ENV] = 'openssl';
    await expect(initSha256Engine()).rejects.toThrow(/must be 'native' or 'wasm'/);
    process.env[SHA256_IMPL_ENV] = 'native';
    if (nativeBuilt) expect((await initSha256Engine('wasm')).name).toBe('native');
    else await expect(initSha256Engine()).rejects.toThrow(/addon is not built/);
  });
});
