import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { InvalidParameterException } from '../common/errors/registry-exception';
import type { BodyBufferPool } from './body-buffer-pool';
import { SerializationException } from './ecr.errors';

export class BodyTooLargeException extends InvalidParameterException {}

export interface RawBody {
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`, computed while they arrived (SigV4's payload hash). */
  sha256: string;
  /** Gives `bytes` back to the pool they came from: call once nothing reads them any more. */
  release(): void;
}

const NOTHING_TO_RELEASE = (): void => undefined;

/**
 * Reads the whole request body into one buffer. With a `Content-Length` the buffer is allocated
 * once and filled in place (no concatenation of a 27 MB body); a body over `limit` is refused
 * before it is read, or as soon as it passes the limit. The body is hashed chunk by chunk as it
 * arrives, so the hash costs no time after the last byte. With a `pool`, a large body is read
 * into a pooled buffer, which the caller gives back with `release()`.
 */
/** The request's `Content-Length` as a number (possibly not a valid one); undefined without it. */
export function declaredLength(req: Request): number | undefined {
  const declared = req.headers['content-length'];
  return declared !== undefined ? Number(declared) : undefined;
}

export function readBody(
  req: Request,
  limit: number,
  pool?: BodyBufferPool,
  /** Told of each piece as it lands in the buffer (bodies with a Content-Length only). */
  onBytes?: (buffer: Buffer, from: number, to: number) => void,
): Promise<RawBody> {
  const length = declaredLength(req);
  const tooLarge = (): BodyTooLargeException =>
    new BodyTooLargeException(`The request body exceeds the limit of ${limit} bytes`);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    return Promise.reject(new SerializationException('Invalid Content-Length'));
  }
  if (length !== undefined && length > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  const hash = createHash('sha256');
  return new Promise<RawBody>((resolve, reject) => {
    const lease =
      length === undefined
        ? undefined
        : pool
          ? pool.acquire(length)
          : { buffer: Buffer.allocUnsafe(length), release: NOTHING_TO_RELEASE };
    const buffer = lease?.buffer;
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > limit || (buffer && received > buffer.length)) {
        failed = true;
        lease?.release();
        req.resume();
        reject(
          received > limit
            ? tooLarge()
            : new SerializationException('The body is longer than its Content-Length'),
        );
        return;
      }
      hash.update(chunk);
      if (buffer) {
        chunk.copy(buffer, received - chunk.length);
        onBytes?.(buffer, received - chunk.length, received);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (lease) {
        if (received !== lease.buffer.length) {
          lease.release();
          reject(new SerializationException('The body is shorter than its Content-Length'));
          return;
        }
        resolve({ bytes: lease.buffer, sha256: hash.digest('hex'), release: lease.release });
      } else {
        resolve({
          bytes: Buffer.concat(chunks, received),
          sha256: hash.digest('hex'),
          release: NOTHING_TO_RELEASE,
        });
      }
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      lease?.release();
      reject(err);
    });
  });
}
