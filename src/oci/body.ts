import type { Request } from 'express';
import { OciError } from './oci-errors';

/** Whether the request says it has a body (a length above 0, or chunked). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** The whole body, refused (413 MANIFEST_INVALID) once it passes `limit` bytes. */
export async function readLimited(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new OciError(
        'MANIFEST_INVALID',
        `A manifest holds at most ${limit} bytes`,
        undefined,
        413,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
