/**
 * SHA-256 throughput of node:crypto (not resumable, the ceiling) against the resumable engines,
 * hashing 256 MiB in 10 MiB updates and, as an upload does between parts, copying the state out
 * and back in between updates.
 *
 * Run: npx ts-node --transpile-only bench/sha256.ts   (or node dist/bench/sha256.js after a build)
 */
import { createHash, randomFillSync } from 'node:crypto';
import {
  initSha256Engine,
  isNativeSha256Available,
  type Sha256Engine,
} from '../src/crypto/sha256-state';

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;
const UPDATE = 10 * MiB;
const ROUNDS = 3;

// Distinct buffers so the data is not cache-resident across updates as a single one would be.
const buffers = Array.from({ length: 4 }, () => randomFillSync(Buffer.allocUnsafe(UPDATE)));

function* pieces(): Generator<Buffer> {
  for (let done = 0, i = 0; done < TOTAL; done += UPDATE, i++) {
    const buf = buffers[i % buffers.length];
    yield buf.subarray(0, Math.min(UPDATE, TOTAL - done));
  }
}

function viaNodeCrypto(): string {
  const hash = createHash('sha256');
  for (const piece of pieces()) hash.update(piece);
  return hash.digest('hex');
}

function viaEngine(engine: Sha256Engine): string {
  let saved: Buffer | null = null;
  // Buffer.from copies, standing in for the bytea round trip through the database.
  for (const piece of pieces()) saved = Buffer.from(engine.update(saved, piece));
  return engine.digestHex(saved);
}

function measure(label: string, run: () => string): string {
  run(); // warm-up: JIT, wasm tier-up, page faults
  let best = Infinity;
  let digest = '';
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    digest = run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  const mbps = TOTAL / 1e6 / best;
  console.log(`${label.padEnd(12)} ${mbps.toFixed(0).padStart(6)} MB/s  (best of ${ROUNDS})`);
  return digest;
}

async function main(): Promise<void> {
  console.log(
    `sha256 over ${TOTAL / MiB} MiB in ${UPDATE / MiB} MiB updates, state copied between ` +
      `updates; node ${process.version}, MB = 10^6 bytes`,
  );
  const expected = measure('node:crypto', viaNodeCrypto);
  const engines: Sha256Engine[] = [await initSha256Engine('wasm')];
  if (isNativeSha256Available()) engines.unshift(await initSha256Engine('native'));
  else console.log('native       (not built: npm run build:native)');
  for (const engine of engines) {
    if (measure(engine.name, () => viaEngine(engine)) !== expected) {
      throw new Error(`${engine.name} engine disagrees with node:crypto`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
