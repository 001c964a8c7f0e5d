import { BodyAdmission } from './body-admission';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('BodyAdmission', () => {
  it('admits up to the capacity and the per-key share, and the next in line once one is done', async () => {
    const admission = new BodyAdmission(3, 2, 10_000, 'bodies');
    const a1 = await admission.admit('a', 1);
    await admission.admit('a', 1);
    let a3Admitted = false;
    const a3 = admission.admit('a', 1).then((release) => {
      a3Admitted = true;
      return release;
    });
    // Key a is at its share; key b still gets the instance's last unit.
    const b1 = await admission.admit('b', 1);
    let b2Admitted = false;
    void admission.admit('b', 1).then(() => (b2Admitted = true));
    await tick();
    expect([a3Admitted, b2Admitted, admission.inUse]).toEqual([false, false, 3]);
    a1();
    a1(); // idempotent
    await tick();
    expect(a3Admitted).toBe(true);
    expect(b2Admitted).toBe(false);
    b1();
    await tick();
    expect(b2Admitted).toBe(true);
    (await a3)();
  });

  it('refuses with AdmissionTimeoutError after the wait, and forgets a waiter whose client left', async () => {
    const admission = new BodyAdmission(1, 1, 20, 'bodies');
    await admission.admit('a', 1);
    await expect(admission.admit('a', 1)).rejects.toMatchObject({ name: 'AdmissionTimeoutError' });
    const gone = new AbortController();
    const waiting = admission.admit('b', 1, gone.signal);
    gone.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(admission.queued).toBe(0);
  });

  it('counts bytes per key, and lets a body larger than a share take the whole share', async () => {
    const admission = new BodyAdmission(100, 40, 10_000, 'bytes');
    const big = await admission.admit('a', 1000);
    expect(admission.inUse).toBe(40);
    let small = false;
    void admission.admit('a', 1).then(() => (small = true));
    await admission.admit('b', 30);
    await tick();
    expect(small).toBe(false);
    big();
    await tick();
    expect(small).toBe(true);
  });
});
