import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Equality of two strings in a time that depends on neither's content. Both are hashed first,
 * because timingSafeEqual needs equal lengths and comparing lengths would leak the length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
