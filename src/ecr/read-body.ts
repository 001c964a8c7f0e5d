import type { Request } from 'express';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { SerializationException } from './ecr.errors';

export class BodyTooLargeException extends InvalidParameterException {}

/**
 * Reads the whole request body into one buffer. With a `Content-Length` the buffer is allocated
 * once and filled in place (no concatenation of a 27 MB body); a body over `limit` is refused
 * before it is read, or as soon as it passes the limit.
 */
export function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  const length = declared !== undefined ? Number(declared) : undefined;
  const tooLarge = (): BodyTooLargeException =>
    new BodyTooLargeException(`The request body exceeds the limit of ${limit} bytes`);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    return Promise.reject(new SerializationException('Invalid Content-Length'));
  }
  if (length !== undefined && length > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    let buffer = length !== undefined ? Buffer.allocUnsafe(length) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > limit || (buffer && received > buffer.length)) {
        failed = true;
        req.resume();
        reject(
          received > limit
            ? tooLarge()
            : new SerializationException('The body is longer than its Content-Length'),
        );
        return;
      }
      if (buffer) chunk.copy(buffer, received - chunk.length);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (buffer) {
        if (received !== buffer.length) {
          reject(new SerializationException('The body is shorter than its Content-Length'));
          return;
        }
        resolve(buffer);
      } else {
        buffer = Buffer.concat(chunks, received);
        resolve(buffer);
      }
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      reject(err);
    });
  });
}
