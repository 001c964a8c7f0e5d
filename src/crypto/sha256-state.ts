/*
 * Resumable SHA-256 whose state can be persisted between upload parts.
 *
 * A layer arrives in parts, possibly at different instances, and its digest must be known when
 * the upload completes without re-reading the bytes. So after every part the hash state is
 * serialised (stored as bytea) and the next part, on any instance, resumes from it.
 * node:crypto cannot export its state, hence two engines:
 *  - 'native': native/sha256 addon, OpenSSL's SHA256_CTX via node's own OpenSSL (~node:crypto
 *    speed). Built by `npm run build:native` (also run on postinstall); optional.
 *  - 'wasm': hash-wasm save()/load(), always available, about 4x slower.
 *
 * Usage: await `initSha256Engine()` once at startup (hash-wasm compiles asynchronously); after
 * that everything is synchronous:
 *
 *   const sha = await initSha256Engine();
 *   let state: Buffer | null = null; // null = nothing hashed yet
 *   state = sha.update(state, part1); // persist `state`; later, possibly elsewhere:
 *   state = sha.update(state, part2);
 *   sha.digestHex(state); // hex of sha256(part1 + part2)
 *
 * Selection: BERTH_SHA256_IMPL=native|wasm forces an engine (forcing a missing native addon
 * throws); otherwise `prefer`, otherwise native when built, else wasm.
 *
 * The engines' states are not interchangeable, so a serialised state is
 * `[1 byte engine tag][engine payload]` and an engine refuses another engine's state with a
 * Sha256StateError. All instances sharing a database must therefore run the same engine.
 * The native payload is the raw SHA256_CTX in host byte order (the addon rejects it on a host of
 * other endianness as corrupt rather than mis-hashing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSHA256, type IHasher } from 'hash-wasm';

export type Sha256EngineName = 'native' | 'wasm';

export const SHA256_IMPL_ENV = 'BERTH_SHA256_IMPL';

/** A hash whose running state is a value: serialised, stored, and resumed anywhere. */
export interface ResumableHash {
  /** Hashes `data` after `state` (null: nothing hashed yet); returns a new state, never mutates. */
  update(state: Uint8Array | null, data: Uint8Array): Buffer;
  /** The digest of everything hashed into `state` (null: of the empty string). */
  digest(state: Uint8Array | null): Buffer;
  digestHex(state: Uint8Array | null): string;
}

export interface Sha256Engine extends ResumableHash {
  readonly name: Sha256EngineName;
}

/** Bytes hashed between two turns of the event loop by `updateInSteps`. */
const STEP_BYTES = 1024 * 1024;

/**
 * `engine.update(state, data)`, in 1 MiB steps with the event loop free between them: the
 * hashing of a 20 MiB part does not hold up other requests, nor the I/O of the same part
 * (its write to PostgreSQL needs the event loop to feed the socket).
 */
export async function updateInSteps(
  engine: ResumableHash,
  state: Uint8Array | null,
  data: Uint8Array,
): Promise<Buffer> {
  let next = engine.update(state, data.subarray(0, STEP_BYTES));
  for (let at = STEP_BYTES; at < data.length; at += STEP_BYTES) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    next = engine.update(next, data.subarray(at, at + STEP_BYTES));
  }
  return next;
}

/** A serialised state that this engine cannot resume: another engine's, or corrupt. */
export class Sha256StateError extends Error {
  override readonly name = 'Sha256StateError';
}

const TAGS: Readonly<Record<Sha256EngineName, number>> = { native: 0x4e, wasm: 0x57 }; // 'N', 'W'

/** Which engine wrote a serialised state, or null if it is not one of ours. */
export function sha256StateEngine(state: Uint8Array): Sha256EngineName | null {
  if (state.length < 2) return null;
  if (state[0] === TAGS.native) return 'native';
  if (state[0] === TAGS.wasm) return 'wasm';
  return null;
}

function payloadOf(engine: Sha256EngineName, state: Uint8Array): Uint8Array {
  const writer = sha256StateEngine(state);
  if (writer === engine) return state.subarray(1);
  throw new Sha256StateError(
    writer === null
      ? `not a serialised SHA-256 state (${state.length} bytes, tag 0x${(state[0] ?? 0).toString(16)})`
      : `SHA-256 state was written by the ${writer} engine and cannot be resumed by the ${engine} ` +
          `engine; every instance must use the same engine (${SHA256_IMPL_ENV})`,
  );
}

function tagged(engine: Sha256EngineName, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = TAGS[engine];
  out.set(payload, 1);
  return out;
}

// ---------------------------------------------------------------------------------------------
// native

interface NativeAddon {
  update(state: Uint8Array | null, data: Uint8Array): Buffer;
  digest(state: Uint8Array | null): Buffer;
  stateSize: number;
}

const ADDON_RELATIVE_PATH = path.join('native', 'sha256', 'build', 'Release', 'sha256.node');

/**
 * Walks up from this file because it runs both as src/crypto (ts-jest, ts-node) and as
 * dist/src/crypto (after nest build), and dist/ may hold a package.json of its own, so
 * "the nearest package.json" is not a reliable project root.
 */
export function findNativeSha256Addon(from: string = __dirname): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, ADDON_RELATIVE_PATH);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function isNativeAddon(value: unknown): value is NativeAddon {
  const v = value as Partial<NativeAddon> | null;
  return (
    typeof v?.update === 'function' &&
    typeof v.digest === 'function' &&
    typeof v.stateSize === 'number'
  );
}

let nativeEngine: Sha256Engine | undefined;

function loadNative(): Sha256Engine | null {
  if (nativeEngine) return nativeEngine;
  const file = findNativeSha256Addon();
  if (!file) return null;
  // process.dlopen rather than require: jest's module registry only loads extensions listed in
  // moduleFileExtensions, which need not include "node".
  const mod: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(mod, file);
  } catch (err) {
    // An addon that is present but broken is an install problem; silently running 4x slower
    // (and writing states the other instances cannot read) would hide it.
    throw new Error(
      `${file} exists but cannot be loaded (rebuild it with \`npm run build:native\`, delete it, ` +
        `or set ${SHA256_IMPL_ENV}=wasm): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const addon = mod.exports;
  if (!isNativeAddon(addon)) throw new Error(`${file} is not the berth sha256 addon`);
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      // The addon throws RangeError code ERR_SHA256_STATE for a bad length or a corrupt context.
      if ((err as { code?: unknown }).code === 'ERR_SHA256_STATE') {
        throw new Sha256StateError((err as Error).message, { cause: err });
      }
      throw err;
    }
  };
  const digest = (state: Uint8Array | null): Buffer =>
    guard(() => addon.digest(state === null ? null : payloadOf('native', state)));
  nativeEngine = {
    name: 'native',
    update: (state, data) =>
      tagged(
        'native',
        guard(() => addon.update(state === null ? null : payloadOf('native', state), data)),
      ),
    digest,
    digestHex: (state) => digest(state).toString('hex'),
  };
  return nativeEngine;
}

/** Whether the native addon is built (it may still fail to load; see initSha256Engine). */
export function isNativeSha256Available(): boolean {
  return findNativeSha256Addon() !== null;
}

// ---------------------------------------------------------------------------------------------
// wasm

let wasmEnginePromise: Promise<Sha256Engine> | undefined;

/**
 * One hasher is shared by every caller: each method runs load/update/save with no await in
 * between, so on a single JS thread calls cannot interleave.
 */
function wasmEngineFor(hasher: IHasher): Sha256Engine {
  const resume = (state: Uint8Array | null): void => {
    if (state === null) {
      hasher.init();
      return;
    }
    try {
      hasher.load(payloadOf('wasm', state));
    } catch (err) {
      if (err instanceof Sha256StateError) throw err;
      // hash-wasm refuses a wrong length or a state from another hash-wasm build.
      throw new Sha256StateError(`cannot resume SHA-256 state: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  const digest = (state: Uint8Array | null): Buffer => {
    resume(state);
    const out = hasher.digest('binary');
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
  return {
    name: 'wasm',
    update: (state, data) => {
      resume(state);
      hasher.update(data);
      return tagged('wasm', hasher.save());
    },
    digest,
    digestHex: (state) => digest(state).toString('hex'),
  };
}

function initWasm(): Promise<Sha256Engine> {
  wasmEnginePromise ??= createSHA256().then(
    (hasher) => wasmEngineFor(hasher),
    (err: unknown) => {
      wasmEnginePromise = undefined; // allow a retry rather than caching the failure
      throw err;
    },
  );
  return wasmEnginePromise;
}

// ---------------------------------------------------------------------------------------------
// selection

/** The native engine if it is the one to use, null for wasm. */
function selectNative(prefer: Sha256EngineName | undefined): Sha256Engine | null {
  const forced = process.env[SHA256_IMPL_ENV]?.trim();
  if (forced && forced !== 'native' && forced !== 'wasm') {
    throw new Error(`${SHA256_IMPL_ENV} must be 'native' or 'wasm', got '${forced}'`);
  }
  if ((forced || prefer) === 'wasm') return null;
  const native = loadNative();
  if (!native && forced) {
    throw new Error(
      `${SHA256_IMPL_ENV}=native but the addon is not built (${ADDON_RELATIVE_PATH} not found ` +
        `above ${__dirname}); run \`npm run build:native\``,
    );
  }
  return native;
}

/**
 * Resolves the engine (see the file comment for the order). `prefer` is a soft choice: 'native'
 * falls back to wasm when the addon is not built; only BERTH_SHA256_IMPL=native insists.
 */
export async function initSha256Engine(prefer?: Sha256EngineName): Promise<Sha256Engine> {
  return selectNative(prefer) ?? initWasm();
}
