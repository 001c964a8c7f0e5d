/*
 * Resumable SHA-512, for the blobs the OCI Distribution API pushes with a sha512 digest.
 *
 * Like the SHA-256 state (sha256-state.ts), the running state is serialised after every part and
 * stored with the upload, so the next part resumes from it at any instance. There is one engine,
 * hash-wasm's save()/load(): sha512 blobs are rare, so no native addon is worth its upkeep. The
 * serialised state is `[0x53 'S'][hash-wasm payload]`; the tag also tells an upload that is
 * hashed with SHA-512 from one hashed with SHA-256, whose states carry 'N' or 'W'.
 */
import { createSHA512, type IHasher } from 'hash-wasm';
import type { ResumableHash } from './sha256-state';

const TAG = 0x53;

export interface Sha512Engine extends ResumableHash {
  /** The state of nothing hashed yet: what a sha512 upload starts from. */
  initial(): Buffer;
}

/** A serialised state that is not a SHA-512 state of this engine, or is corrupt. */
export class Sha512StateError extends Error {
  override readonly name = 'Sha512StateError';
}

/** Whether a serialised hash state is a SHA-512 one (null: nothing hashed yet, so no). */
export function isSha512State(state: Uint8Array | null): boolean {
  return state !== null && state.length > 1 && state[0] === TAG;
}

function tagged(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = TAG;
  out.set(payload, 1);
  return out;
}

/**
 * One hasher is shared by every caller: each method runs load/update/save with no await in
 * between, so on a single JS thread calls cannot interleave.
 */
function engineFor(hasher: IHasher): Sha512Engine {
  const resume = (state: Uint8Array | null): void => {
    if (state === null) {
      hasher.init();
      return;
    }
    if (!isSha512State(state)) {
      throw new Sha512StateError(
        `not a serialised SHA-512 state (${state.length} bytes, tag 0x${(state[0] ?? 0).toString(16)})`,
      );
    }
    try {
      hasher.load(state.subarray(1));
    } catch (err) {
      throw new Sha512StateError(`cannot resume SHA-512 state: ${(err as Error).message}`, {
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
    update: (state, data) => {
      resume(state);
      hasher.update(data);
      return tagged(hasher.save());
    },
    digest,
    digestHex: (state) => digest(state).toString('hex'),
    initial: () => {
      hasher.init();
      return tagged(hasher.save());
    },
  };
}

let enginePromise: Promise<Sha512Engine> | undefined;

/** The engine; await once at startup (hash-wasm compiles asynchronously), synchronous after. */
export function initSha512Engine(): Promise<Sha512Engine> {
  enginePromise ??= createSHA512().then(engineFor, (err: unknown) => {
    enginePromise = undefined; // allow a retry rather than caching the failure
    throw err;
  });
  return enginePromise;
}
