import { BodyBufferPool } from './body-buffer-pool';

describe('BodyBufferPool', () => {
  const MiB = 1024 * 1024;

  it('lends the same memory again once a buffer is given back', () => {
    const pool = new BodyBufferPool(4 * MiB, MiB, 2);
    const first = pool.acquire(3 * MiB);
    expect(first.buffer.length).toBe(3 * MiB);
    first.buffer[0] = 42;
    first.release();
    const second = pool.acquire(2 * MiB);
    expect(second.buffer.length).toBe(2 * MiB);
    expect(second.buffer.buffer).toBe(first.buffer.buffer);
    expect(second.buffer[0]).toBe(42);
  });

  it('never lends one buffer twice at once, nor takes it back twice', () => {
    const pool = new BodyBufferPool(2 * MiB, MiB, 4);
    const a = pool.acquire(MiB);
    a.release();
    a.release();
    expect(pool.idleCount).toBe(1);
    const b = pool.acquire(MiB);
    const c = pool.acquire(MiB);
    expect(b.buffer.buffer).not.toBe(c.buffer.buffer);
  });

  it('keeps at most `keep` buffers waiting', () => {
    const pool = new BodyBufferPool(2 * MiB, MiB, 2);
    const lent = [1, 2, 3].map(() => pool.acquire(MiB));
    for (const lease of lent) lease.release();
    expect(pool.idleCount).toBe(2);
  });

  it('gives small and oversized bodies plain buffers, outside the pool', () => {
    const pool = new BodyBufferPool(2 * MiB, MiB, 2);
    const small = pool.acquire(100);
    const large = pool.acquire(3 * MiB);
    expect(small.buffer.length).toBe(100);
    expect(large.buffer.length).toBe(3 * MiB);
    small.release();
    large.release();
    expect(pool.idleCount).toBe(0);
  });
});
