import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { declaredLength } from '../request-bodies/unread-body';
import { RequestTimeoutException, SerializationException } from './ecr.errors';

export class BodyTooLargeException extends InvalidParameterException {
  constructor(limit: number) {
    super(`The request body exceeds the limit of ${limit} bytes`);
  }
}

export interface RawBody {
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`, computed while they arrived (SigV4's payload hash). */
  sha256: string;
}

/**
 * Reads the whole request body into `buffer`, which the caller sized: to the `Content-Length`, or
 * to the operation's limit for a body without one (chunked), which is refused as soon as it passes
 * the limit. The buffer is filled in place (no concatenation of a 27 MB body) and the body hashed
 * chunk by chunk as it arrives, so the hash costs no time after the last byte. `onBytes` is told
 * of each piece as it lands.
 *
 * A body that has not arrived within `timeoutMs` is RequestTimeoutException. On any failure the
 * request is paused and left unread: the caller answers and closes the connection, rather than
 * reading the rest of a body it has refused.
 */
export function readBody(
  req: Request,
  buffer: Buffer,
  options: {
    /** The operation's limit, for the message of a chunked body that passes it. */
    limit: number;
    timeoutMs: number;
    onBytes?: (buffer: Buffer, from: number, to: number) => void;
  },
): Promise<RawBody> {
  const exact = declaredLength(req) !== undefined;
  const hash = createHash('sha256');
  return new Promise<RawBody>((resolve, reject) => {
    let received = 0;
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (!err) {
        resolve({ bytes: buffer.subarray(0, received), sha256: hash.digest('hex') });
        return;
      }
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > buffer.length) {
        settle(
          exact
            ? new SerializationException('The body is longer than its Content-Length')
            : new BodyTooLargeException(options.limit),
        );
        return;
      }
      hash.update(chunk);
      chunk.copy(buffer, received - chunk.length);
      options.onBytes?.(buffer, received - chunk.length, received);
    };
    const onEnd = (): void => {
      if (exact && received !== buffer.length) {
        settle(new SerializationException('The body is shorter than its Content-Length'));
      } else settle();
    };
    const onError = (err: Error): void => settle(err);
    // A client that hangs up mid-body ends the request without 'end' (nor always 'error').
    const onClose = (): void => settle(new Error('the client closed the connection mid-body'));
    const timer = setTimeout(
      () =>
        settle(
          new RequestTimeoutException(
            `The request body did not arrive within ${Math.round(options.timeoutMs / 1000)} s`,
          ),
        ),
      options.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
