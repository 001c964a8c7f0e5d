import type { Request } from 'express';
import { PassThrough } from 'node:stream';
import { AdmissionTimeoutError, type AdmissionRelease } from '../request-bodies/body-admission';
import { declaredLength } from '../request-bodies/unread-body';
import type { OciCall } from './oci-call';
import { OciError } from './oci-errors';

/** Each this many bytes of a /v2 body (and a shorter body whole) must arrive within BODY_TIMEOUT. */
export const BODY_WINDOW_BYTES = 8 * 1024 * 1024;

/** Whether the request says it has a body (a length above 0, or chunked). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** A request's body as its handler reads it, and the end of the watch over it. */
export interface GuardedBody {
  readonly stream: AsyncIterable<Buffer>;
  /** Stops the watch, and stops handing the request's bytes on; idempotent. */
  stop(): void;
}

/**
 * The request's body, failing with `timeout()` when a window of BODY_WINDOW_BYTES (or the whole
 * of a shorter body) has not arrived within `timeoutMs`: a client dripping bytes cannot hold a
 * request, and what it holds, for longer (as mod_reqtimeout's minimum rate, without cutting a
 * large body that keeps coming). The request itself is left paused and unread, not destroyed,
 * so that the door can still answer; a client going away mid-body fails the stream too.
 */
export function guardBody(req: Request, timeoutMs: number, timeout: (slow: string) => Error) {
  const stream = new PassThrough();
  let received = 0;
  let windowStart = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received - windowStart < BODY_WINDOW_BYTES) return;
    windowStart = received;
    timer.refresh();
  };
  const onEnd = (): void => clearTimeout(timer);
  const onGone = (): void => {
    if (req.complete) return;
    stop();
    stream.destroy(new Error('the client closed the connection mid-body'));
  };
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onGone);
    req.off('error', onGone);
    req.unpipe(stream);
  };
  const seconds = Math.round(timeoutMs / 1000);
  const timer = setTimeout(() => {
    stop();
    req.pause();
    stream.destroy(
      timeout(
        windowStart === 0
          ? `The request body did not arrive within ${seconds} s`
          : `The next ${BODY_WINDOW_BYTES / (1024 * 1024)} MiB of the request body did not arrive within ${seconds} s`,
      ),
    );
  }, timeoutMs);
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('close', onGone);
  req.on('error', onGone);
  req.pipe(stream);
  return { stream: stream as AsyncIterable<Buffer>, stop } satisfies GuardedBody;
}

/**
 * Admits a body the handler buffers whole (at most `limit` bytes) into the instance's memory for
 * bodies, within the same totals as the ECR door's (docs/limits.md), counted against the token's
 * access key; past the wait, 429 TOOMANYREQUESTS. A declared length over the limit is refused
 * with `tooLarge` before anything is read.
 */
export async function admitBody(
  { req, bodies, accessKeyId }: OciCall,
  limit: number,
  tooLarge: () => OciError,
): Promise<AdmissionRelease> {
  const length = declaredLength(req);
  if (length !== undefined && length > limit) throw tooLarge();
  const gone = new AbortController();
  const onClose = (): void => {
    if (!req.complete) gone.abort(new Error('the client went away while its body waited'));
  };
  req.once('close', onClose);
  try {
    return await bodies.admit(accessKeyId, length ?? limit, gone.signal);
  } catch (err) {
    if (err instanceof AdmissionTimeoutError) throw new OciError('TOOMANYREQUESTS', err.message);
    throw err;
  } finally {
    req.off('close', onClose);
  }
}

/** The whole body, refused with `tooLarge` once it passes `limit` bytes. */
export async function readLimited(
  body: AsyncIterable<Buffer>,
  limit: number,
  tooLarge: () => OciError,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
