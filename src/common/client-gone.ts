import type { ServerResponse } from 'node:http';

/**
 * Whether a failure while answering is the client hanging up (a pull cancelled, a timeout on
 * its side), not a fault of Berth's: the response's socket is gone before the answer ended.
 * Such failures are logged at info level, so that error-level lines stay worth an operator's
 * look.
 */
export function clientWentAway(res: ServerResponse, err: unknown): boolean {
  if (res.writableEnded) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    res.destroyed ||
    res.socket?.destroyed === true
  );
}
