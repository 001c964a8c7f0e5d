import type { Request, Response } from 'express';

/**
 * A refused request whose body is at most this long (and declared) has the rest of it read and
 * dropped, keeping the connection: cheaper for both sides than a new connection. A longer one,
 * or one of unknown length, is not read: its connection is closed.
 */
export const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * How long a refused request's connection lingers after the answer, reading and dropping what
 * the client still sends, before it is closed whatever remains (nginx's lingering close).
 */
const LINGER_MS = 2000;

/** The request's `Content-Length` as a number (possibly not a valid one); undefined without it. */
export function declaredLength(req: Request): number | undefined {
  const declared = req.headers['content-length'];
  return declared !== undefined ? Number(declared) : undefined;
}

/**
 * A request refused before its long body was read in full: the answer says `Connection: close`,
 * and the connection goes soon after, instead of reading a body that may be 27 MB, or claim to
 * be 9 PB, to its end. Closing a socket with unread bytes at once makes the kernel send a reset,
 * which clients still sending (undici's fetch among them) report instead of the answer; so the
 * answer is followed by a FIN, what still arrives is dropped (never kept), and the connection is
 * destroyed after LINGER_MS.
 */
export function closeAfterAnswer(req: Request, res: Response): void {
  req.pause();
  if (!res.headersSent) res.setHeader('Connection', 'close');
  const socket = req.socket;
  // Node ends a `Connection: close` exchange with destroySoon(): at once, with that reset.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/**
 * What becomes of the unread rest of a refused request's body, before the answer: a short
 * declared one is read and dropped, keeping the connection, unless `slow` (a body too slow to
 * arrive is not waited for again); any other is left unread and the connection closed.
 */
export function leaveUnreadBody(req: Request, res: Response, slow = false): void {
  if (req.complete) return;
  const length = declaredLength(req) ?? Infinity;
  if (length <= DRAIN_MAX_BYTES && !slow) req.resume();
  else closeAfterAnswer(req, res);
}
