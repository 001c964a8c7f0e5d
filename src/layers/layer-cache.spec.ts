import { LayerCache, MAX_CACHED_REPOSITORIES } from './layer-cache';
import type { Layer } from './layers.service';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);
const layerA: Layer = { digest: A, size: 10, mediaType: 'application/octet-stream' };

function cache(ttlMs = 1000): { cache: LayerCache; advance: (ms: number) => void } {
  let now = 0;
  return {
    cache: new LayerCache(ttlMs, () => now),
    advance: (ms) => (now += ms),
  };
}

const found = (entries: [string, Layer | null][]): Map<string, Layer | null> => new Map(entries);

describe('LayerCache', () => {
  it('answers what a read found, present and absent, for every digest asked', () => {
    const { cache: c } = cache();
    c.store(
      c.begin(),
      '111',
      'app',
      '7',
      found([
        [A, layerA],
        [B, null],
      ]),
    );
    const hit = c.lookup('111', 'app', [A, B]);
    expect(hit?.repositoryId).toBe('7');
    expect(hit?.layers?.get(A)).toEqual(layerA);
    expect(hit?.layers?.get(B)).toBeNull();
  });

  it('answers nothing of a digest it never read, but knows the repository', () => {
    const { cache: c } = cache();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A, B])).toEqual({ repositoryId: '7' });
    expect(c.lookup('222', 'app', [A])).toBeUndefined();
    expect(c.lookup('111', 'other', [A])).toBeUndefined();
  });

  it('forgets an entry once the TTL has passed since the read began', () => {
    const { cache: c, advance } = cache(1000);
    const token = c.begin();
    advance(400); // the read took 400 ms
    c.store(token, '111', 'app', '7', found([[A, layerA]]));
    advance(599);
    expect(c.lookup('111', 'app', [A])?.layers).toBeDefined();
    advance(1);
    expect(c.lookup('111', 'app', [A])?.layers).toBeUndefined();
  });

  it('forgets a repository it is told changed, present and absent digests alike', () => {
    const { cache: c } = cache();
    c.store(
      c.begin(),
      '111',
      'app',
      '7',
      found([
        [A, layerA],
        [B, null],
      ]),
    );
    c.store(c.begin(), '111', 'other', '8', found([[A, null]]));
    c.invalidate(['7']);
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    expect(c.lookup('111', 'app', [B])).toBeUndefined();
    expect(c.lookup('111', 'other', [A])?.layers?.get(A)).toBeNull();
  });

  it('does not keep a read that began before a change of its repository', () => {
    const { cache: c } = cache();
    const token = c.begin();
    c.invalidate(['7']); // the change was heard while the read was under way
    c.store(token, '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    // A change of another repository does not matter to it.
    const next = c.begin();
    c.invalidate(['8']);
    c.store(next, '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])?.layers?.get(A)).toEqual(layerA);
  });

  it('keeps reads that raced with a change out even after the record of changes is reset', () => {
    const { cache: c } = cache();
    const token = c.begin();
    // More repositories change than the record of changes keeps.
    c.invalidate(Array.from({ length: MAX_CACHED_REPOSITORIES + 1 }, (_, i) => String(1000 + i)));
    c.store(token, '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
  });

  it('answers and keeps nothing while suspended, and forgets everything when resumed', () => {
    const { cache: c } = cache();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    const before = c.begin();
    c.suspend();
    expect(c.enabled).toBe(false);
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    c.resume();
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    // A read begun before the resume may have missed a change: not kept.
    c.store(before, '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])?.layers?.get(A)).toEqual(layerA);
  });

  it('starts suspended when asked, and does nothing with a TTL of 0', () => {
    const suspended = new LayerCache(1000, () => 0, { suspended: true });
    suspended.store(suspended.begin(), '111', 'app', '7', found([[A, layerA]]));
    expect(suspended.lookup('111', 'app', [A])).toBeUndefined();
    const off = new LayerCache(0, () => 0);
    off.store(off.begin(), '111', 'app', '7', found([[A, layerA]]));
    expect(off.enabled).toBe(false);
    expect(off.lookup('111', 'app', [A])).toBeUndefined();
  });

  it('forgets everything on invalidateAll', () => {
    const { cache: c } = cache();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    const token = c.begin();
    c.invalidateAll();
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
    c.store(token, '111', 'app', '7', found([[A, layerA]]));
    expect(c.lookup('111', 'app', [A])).toBeUndefined();
  });

  it('replaces what it knew of a name that is now another repository', () => {
    const { cache: c } = cache();
    c.store(c.begin(), '111', 'app', '7', found([[A, layerA]]));
    c.store(c.begin(), '111', 'app', '9', found([[B, null]]));
    expect(c.lookup('111', 'app', [A])).toEqual({ repositoryId: '9' });
    // The old id no longer leads to the name.
    c.invalidate(['7']);
    expect(c.lookup('111', 'app', [B])?.layers?.get(B)).toBeNull();
  });
});
