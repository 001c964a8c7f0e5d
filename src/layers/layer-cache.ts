import type { LayerRecord } from './layers.repository';
/** A layer as a check finds it: the record the repository class answers. */
type Layer = LayerRecord;

/** Repositories kept at most; past it the cache starts again empty (a bound, not an LRU). */
export const MAX_CACHED_REPOSITORIES = 10_000;
/** Digests kept at most per repository, likewise. */
export const MAX_CACHED_DIGESTS = 100_000;

interface CachedDigest {
  /** The layer, or null: the repository had no layer of this digest. */
  layer: Layer | null;
  until: number;
}

interface CachedRepository {
  repositoryId: string;
  digests: Map<string, CachedDigest>;
}

/** What the cache knows of some digests of one repository. */
export interface CachedCheck {
  repositoryId: string;
  /** Each digest asked for, when every one of them is known; undefined otherwise. */
  layers?: Map<string, Layer | null>;
}

/**
 * What layer checks found, per repository (by account and name) and digest, present or absent,
 * for at most `ttlMs` from before the read that found it.
 *
 * The cache is right only while it hears of every removal: `invalidate` is called for each
 * repository a committed statement removed layers of (LISTEN/NOTIFY, see LayerChangeListener)
 * and, on the instance that made it, for an addition (other instances see one once their entry
 * expires, within `ttlMs`); and
 * `suspend` when that stream may have lost something (the listening connection is gone); a
 * suspended cache answers nothing and keeps nothing until `resume`. A read that raced with a
 * change is not kept: `store` takes the `begin` token of the read, and drops its result when the
 * repository was invalidated since. The TTL bounds what a change missed anyway (an addition on
 * another instance, a connection that dies without an error) can cost.
 */
export class LayerCache {
  private readonly byName = new Map<string, CachedRepository>();
  private readonly nameById = new Map<string, string>();
  /** Bumped by every invalidation; reads note it in `begin`. */
  private epoch = 0;
  /** The epoch of each repository's last invalidation (since `floor`). */
  private readonly invalidated = new Map<string, number>();
  /** Every repository counts as invalidated at this epoch. */
  private floor = 0;
  private suspended: boolean;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
    options: { suspended?: boolean } = {},
  ) {
    this.suspended = options.suspended ?? false;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && !this.suspended;
  }

  /** A token for `store`, taken before the read whose result it will store is sent. */
  begin(): { epoch: number; at: number } {
    return { epoch: this.epoch, at: this.now() };
  }

  /** The repository and what is known of `digests` there, if its id is known. */
  lookup(registryId: string, name: string, digests: readonly string[]): CachedCheck | undefined {
    if (!this.enabled) return undefined;
    const repo = this.byName.get(key(registryId, name));
    if (!repo) return undefined;
    const now = this.now();
    const layers = new Map<string, Layer | null>();
    for (const digest of digests) {
      const cached = repo.digests.get(digest);
      if (!cached || cached.until <= now) {
        if (cached) repo.digests.delete(digest);
        return { repositoryId: repo.repositoryId };
      }
      layers.set(digest, cached.layer);
    }
    return { repositoryId: repo.repositoryId, layers };
  }

  /**
   * Keeps what a read begun at `token` found: the repository's id and, for each digest asked
   * for, its layer or null. Nothing is kept if the repository changed since the token was taken.
   */
  store(
    token: { epoch: number; at: number },
    registryId: string,
    name: string,
    repositoryId: string,
    found: ReadonlyMap<string, Layer | null>,
  ): void {
    if (!this.enabled) return;
    if (Math.max(this.floor, this.invalidated.get(repositoryId) ?? 0) > token.epoch) return;
    const k = key(registryId, name);
    let repo = this.byName.get(k);
    if (repo && repo.repositoryId !== repositoryId) {
      // The name is another repository now (deleted and created again).
      this.drop(k);
      repo = undefined;
    }
    if (!repo) {
      if (this.byName.size >= MAX_CACHED_REPOSITORIES) this.clear();
      repo = { repositoryId, digests: new Map() };
      this.byName.set(k, repo);
      this.nameById.set(repositoryId, k);
    }
    if (repo.digests.size + found.size > MAX_CACHED_DIGESTS) repo.digests.clear();
    const until = token.at + this.ttlMs;
    for (const [digest, layer] of found) repo.digests.set(digest, { layer, until });
  }

  /** Forgets the repositories (by id): a committed statement changed their layers. */
  invalidate(repositoryIds: Iterable<string>): void {
    this.epoch++;
    for (const id of repositoryIds) {
      if (this.invalidated.size >= MAX_CACHED_REPOSITORIES) {
        this.invalidated.clear();
        this.floor = this.epoch;
      }
      this.invalidated.set(id, this.epoch);
      const k = this.nameById.get(id);
      if (k !== undefined) this.drop(k);
    }
  }

  /** Forgets everything. */
  invalidateAll(): void {
    this.epoch++;
    this.floor = this.epoch;
    this.invalidated.clear();
    this.clear();
  }

  /** Until `resume`: changes may go unheard, so nothing is answered or kept. */
  suspend(): void {
    this.suspended = true;
    this.invalidateAll();
  }

  /** Changes are heard again; what was kept before may have missed some, so it is forgotten. */
  resume(): void {
    this.invalidateAll();
    this.suspended = false;
  }

  private drop(k: string): void {
    const repo = this.byName.get(k);
    if (!repo) return;
    this.byName.delete(k);
    if (this.nameById.get(repo.repositoryId) === k) this.nameById.delete(repo.repositoryId);
  }

  private clear(): void {
    this.byName.clear();
    this.nameById.clear();
  }
}

function key(registryId: string, name: string): string {
  return `${registryId}/${name}`;
}
