import type { Request, Response } from 'express';

/** A JSON answer (its headers only, for a HEAD). */
export function sendJson(req: Request, res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(req.method === 'HEAD' ? undefined : text);
}
