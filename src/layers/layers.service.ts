import { Inject, Injectable } from '@nestjs/common';
import type { Readable, Writable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { LAYER_DIGEST_PATTERN } from '../common/patterns';
import { parseDigest } from '../crypto/digest';
import { RepositoryNotFoundException } from '../repositories/repositories.errors';
import { BLOB_STORES, type BlobStores } from '../storage/blob-store';
import { LayerCache } from './layer-cache';
import { LayerBlob, LayerRecord, LayersRepository, ListedLayer } from './layers.repository';

export const DEFAULT_LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
// The documented digest form (the one CompleteLayerUpload validates); anything else is an
// InvalidLayerDigest failure.
const LAYER_DIGEST = new RegExp(`^(?:${LAYER_DIGEST_PATTERN})$`);

export interface NewLayer {
  repositoryId: string;
  digest: string;
  size: number;
  storageKey: string;
  partSizes: number[];
}

export interface RecordedLayer {
  /** False when the repository already had the layer (nothing was added). */
  created: boolean;
  /** False when the bytes were already stored under this digest: `storageKey` is now garbage. */
  storageAdopted: boolean;
}

export type Layer = LayerRecord;

/** What a layer check found for one digest as given, in the order given. */
export type LayerCheck =
  | { given: string; layer: Layer }
  | { given: string; missing: true }
  | { given: string; failure: 'MissingLayerDigest' | 'InvalidLayerDigest'; reason: string };

/** A layer's bytes, opened for reading. */
export interface LayerContent {
  digest: string;
  size: number;
  /** Streams bytes `[start, end]`, inclusive, from storage. */
  open(start: number, end: number): Readable;
  /** Writes bytes `[start, end]` to `out` (an HTTP response) and ends it (BlobStore.send). */
  send(start: number, end: number, out: Writable): Promise<void>;
}

export type LayerListing = ListedLayer;

/**
 * Owns layers per repository and the content-addressed blobs behind them.
 *
 * Layer checks (`check`, `find`: BatchCheckLayerAvailability, HEAD of a blob) are answered from
 * the LayerCache when it knows every digest asked for; its bounds are in docs/performance.md.
 * Nothing that writes (PutImage, a mount, a download) trusts the cache: they read the rows.
 */
@Injectable()
export class LayersService {
  /** Reads of the same digests of the same repository under way, shared by their callers. */
  private readonly reading = new Map<string, Promise<Map<string, Layer | null>>>();

  constructor(
    private readonly layers: LayersRepository,
    @Inject(BLOB_STORES) private readonly stores: BlobStores,
    private readonly cache: LayerCache,
  ) {}

  /**
   * Makes `layer` a layer of its repository inside the caller's transaction. The blob row is
   * upserted (a row lock, which also keeps storage collection off it); of concurrent completions
   * of one content into one repository, on any instance, exactly one creates the layer.
   */
  async record(manager: EntityManager, layer: NewLayer): Promise<RecordedLayer> {
    const storedKey = await this.layers.upsertBlob(manager, layer);
    const created = await this.layers.insertLayer(manager, {
      repositoryId: layer.repositoryId,
      digest: layer.digest,
      size: layer.size,
      mediaType: DEFAULT_LAYER_MEDIA_TYPE,
    });
    return { created, storageAdopted: storedKey === layer.storageKey };
  }

  /** Which of `digests` are layers of the repository; malformed ones are failures. */
  async check(
    registryId: string,
    repositoryName: string,
    digests: string[],
  ): Promise<LayerCheck[]> {
    const checks: (LayerCheck | { given: string; digest: string })[] = digests.map((given) => {
      if (given.length === 0) {
        return { given, failure: 'MissingLayerDigest', reason: 'The layer digest is empty' };
      }
      if (!LAYER_DIGEST.test(given)) {
        return {
          given,
          failure: 'InvalidLayerDigest',
          reason: "The layer digest is not of the form '<algorithm>:<hex>'",
        };
      }
      return { given, digest: parseDigest(given)?.digest ?? given.toLowerCase() };
    });
    const wanted = checks.flatMap((c) => ('digest' in c ? [c.digest] : []));
    const found = await this.lookup(registryId, repositoryName, wanted);
    return checks.map((c): LayerCheck => {
      if (!('digest' in c)) return c;
      const layer = found.get(c.digest);
      return layer ? { given: c.given, layer } : { given: c.given, missing: true };
    });
  }

  /**
   * The layer `digest` (canonical, as parseDigest gives it) of the repository; undefined when it
   * has none. RepositoryNotFoundException when there is no such repository.
   */
  async find(
    registryId: string,
    repositoryName: string,
    digest: string,
  ): Promise<Layer | undefined> {
    return (await this.lookup(registryId, repositoryName, [digest])).get(digest) ?? undefined;
  }

  /**
   * Forgets what this instance's cache holds of the repository: called once a change of its
   * layers commits here, so that this instance answers its own client's next check from the
   * database (other instances see an addition once their entry expires: LAYER_CACHE_TTL).
   */
  changed(repositoryId: string): void {
    this.cache.invalidate([repositoryId]);
  }

  /** Each of `digests` (canonical) with its layer or null, from the cache or one query. */
  private lookup(
    registryId: string,
    repositoryName: string,
    digests: string[],
  ): Promise<Map<string, Layer | null>> {
    const cached = this.cache.lookup(registryId, repositoryName, digests);
    if (cached?.layers) return Promise.resolve(cached.layers);
    const key = `${registryId}/${repositoryName}\n${digests.join(',')}`;
    let read = this.reading.get(key);
    if (!read) {
      read = this.read(registryId, repositoryName, digests).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
  }

  private async read(
    registryId: string,
    repositoryName: string,
    digests: string[],
  ): Promise<Map<string, Layer | null>> {
    const token = this.cache.begin();
    const repo = await this.layers.findInRepositoryByName(registryId, repositoryName, digests);
    if (!repo) throw RepositoryNotFoundException.of(registryId, repositoryName);
    const found = new Map<string, Layer | null>(digests.map((d) => [d, null]));
    for (const layer of repo.layers) found.set(layer.digest, layer);
    this.cache.store(token, registryId, repositoryName, repo.repositoryId, found);
    return found;
  }

  /** Those of `digests` that are not layers of the repository, in the order given. */
  async missing(
    manager: EntityManager,
    repositoryId: string,
    digests: string[],
  ): Promise<string[]> {
    if (digests.length === 0) return [];
    const have = new Set(await this.layers.existing(manager, repositoryId, digests));
    return digests.filter((d) => !have.has(d));
  }

  /** The layer with where its bytes are, for a download. */
  findWithBlob(repositoryId: string, digest: string): Promise<LayerBlob | undefined> {
    return this.layers.findWithBlob(repositoryId, digest);
  }

  /** The layer's bytes, for reading any range of them; undefined when it is not a layer here. */
  async content(repositoryId: string, digest: string): Promise<LayerContent | undefined> {
    const layer = await this.layers.findWithBlob(repositoryId, digest);
    return layer && this.contentOf(layer);
  }

  /** The bytes of a layer found by `findWithBlob`, read by the driver that wrote them. */
  contentOf(layer: LayerBlob): LayerContent {
    const { storageKey, partSizes } = layer;
    const store = this.stores[layer.driver];
    return {
      digest: layer.digest,
      size: layer.size,
      open: (start, end) => store.read(storageKey, partSizes, start, end),
      send: (start, end, out) => store.send(storageKey, partSizes, start, end, out),
    };
  }

  /**
   * Makes the layer `digest` of repository `sourceId` a layer of `targetId` as well, sharing its
   * bytes, inside the caller's transaction. True when the target now has it.
   */
  async link(
    manager: EntityManager,
    sourceId: string,
    targetId: string,
    digest: string,
  ): Promise<boolean> {
    if ((await this.layers.existing(manager, targetId, [digest])).length === 1) return true;
    return this.layers.linkFrom(manager, sourceId, targetId, digest);
  }

  /** A page of the repository's layers in the order they were added. */
  async list(repositoryId: string, limit: number, after?: string): Promise<LayerListing[]> {
    return this.layers.page(repositoryId, limit, after);
  }
}
