import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { BlobSink } from '../common/blob-sink';
import { LimitExceededException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SHA256_ENGINE, SHA512_ENGINE } from '../crypto/crypto.module';
import { digestsEqual, type DigestAlgorithm } from '../crypto/digest';
import { updateInSteps, type ResumableHash, type Sha256Engine } from '../crypto/sha256-state';
import { isSha512State, type Sha512Engine } from '../crypto/sha512-state';
import { InvalidLayerException } from '../layers/layers.errors';
import { LayersService } from '../layers/layers.service';
import { MetricsService } from '../metrics/metrics.service';
import { RegistrySettingsService } from '../registry-settings/registry-settings.service';
import { RepositoriesService } from '../repositories/repositories.service';
import { BLOB_STORES, BlobStores, isStagedPart, type StagedPart } from '../storage/blob-store';
import { DEFAULT_TEMP_GRACE_SECONDS, StorageGcService } from '../storage/storage-gc.service';
import {
  type StorageTransaction,
  storageTransaction,
  transactionManager,
} from '../storage/storage-transaction';
import {
  EmptyUploadException,
  InvalidLayerPartException,
  LayerPartTooSmallException,
  UploadNotFoundException,
} from './uploads.errors';
import { LockedUpload, UploadRecord, UploadsRepository } from './uploads.repository';

/** The part size an initiation recommends (and the one the most common clients use). */
export const PART_SIZE = 10 * 1024 * 1024;
export const MAX_PART_BYTES = 20 * 1024 * 1024;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Expired uploads are removed this many at a time. */
const PURGE_BATCH = 500;

/**
 * How an upload's bytes become parts, and what it must hold to be completed: the rules of the
 * door the bytes come through, which it passes with every append and completion.
 */
export interface PartRules {
  /** What one append's bytes are called in refusals. */
  readonly noun: 'layer part' | 'chunk';
  /**
   * The most bytes one append may carry, each append then being one part; without it an append
   * may be of any size, and is stored in parts of at most STREAM_PART_BYTES.
   */
  readonly maxAppendBytes?: number;
  /** Whether an append with no byte is taken (and changes nothing). */
  readonly emptyAppend: boolean;
  /**
   * What follows a part under MIN_PART_BYTES: `refuse` any further append (that part may only be
   * the last), or `gather` the next bytes into it, rewriting it (at most MIN_PART_BYTES read back)
   * until it is large enough. Either way every part but the last is at least MIN_PART_BYTES.
   */
  readonly smallPart: 'refuse' | 'gather';
  /** Whether an upload with no byte completes, into the empty blob. */
  readonly emptyUpload: boolean;
}

/**
 * One append, one part: 1 byte to MAX_PART_BYTES, every part but the last at least
 * MIN_PART_BYTES (the append after a smaller one is refused), and an upload with no part cannot
 * be completed (EmptyUploadException; an old upload with a small part inside is
 * LayerPartTooSmallException at completion).
 */
export const STRICT_PARTS: PartRules = {
  noun: 'layer part',
  maxAppendBytes: MAX_PART_BYTES,
  emptyAppend: false,
  smallPart: 'refuse',
  emptyUpload: false,
};

/**
 * Chunks of any size: a large one is stored in parts of at most STREAM_PART_BYTES, small ones
 * are gathered into a last part until it holds MIN_PART_BYTES, and an empty blob is a blob.
 */
export const FREE_CHUNKS: PartRules = {
  noun: 'chunk',
  emptyAppend: true,
  smallPart: 'gather',
  emptyUpload: true,
};

/** Bytes appended to an upload. */
export interface UploadAppend {
  registryId: string;
  repositoryName: string;
  uploadId: string;
  rules: PartRules;
  /** Where the client says the bytes start; they are refused unless that is the upload's end. */
  start?: number;
  /**
   * How many bytes the client says it sends, and how it said so, ending the refusal of an append
   * that holds another number (`The layer part holds 3 bytes, but <said>`).
   */
  declared?: { bytes: number; said: string };
  /** The bytes: all of them, or a stream read as it arrives. */
  body: Buffer | AsyncIterable<Buffer>;
  /** Where the front door stored a Buffer `body` while it arrived, if it did. */
  staged?: BlobSink;
  /**
   * Runs before each commit, with no connection or lock held: throws to refuse the bytes not yet
   * committed (the caller's credentials were revoked while the body arrived, say).
   */
  beforeCommit?: () => Promise<void>;
}

export interface LayerCompletion {
  registryId: string;
  repositoryName: string;
  uploadId: string;
  /** The digests the client computed; one must match the layer's. */
  layerDigests: string[];
  /** Those of the door that completes: `emptyUpload` and `smallPart` decide what completes. */
  rules: PartRules;
  /**
   * The algorithm of the layer's digest, which it is recorded under: `sha256` (the default) or
   * `sha512`. An upload hashed with another algorithm than this one (started without saying it
   * would be sha512) has its bytes read back and hashed again.
   */
  digestAlgorithm?: DigestAlgorithm;
}

export interface UploadStart {
  /**
   * The algorithm the upload is hashed with while its bytes arrive; `sha256` by default. A
   * sha512 upload keeps a running SHA-512 state instead, so completing it with a sha512 digest
   * reads no byte again.
   */
  digestAlgorithm?: DigestAlgorithm;
}

/**
 * A streamed append is stored and committed in parts of at most this size: the most of it held
 * in memory at once. The same part sizes as the recommended PART_SIZE keep reads of layers from
 * either door alike.
 */
export const STREAM_PART_BYTES = 8 * 1024 * 1024;

export type UploadListing = UploadRecord;

/** One part of an append, as `commit` takes it. */
interface AppendStep {
  data: Buffer;
  /** Where the part must start: the client's `start` first, then the end of the previous part. */
  at?: number;
  /** Bytes of the append so far, this part included. */
  total: number;
  /** Whether this is the append's last part (its whole length is known). */
  last: boolean;
  staged?: StagedPart;
}

/**
 * Owns upload sessions: their parts, their running digest, and their completion into a layer.
 * Every step that reads an upload's state holds its row lock, so parts and completions arriving
 * at any number of instances are applied one at a time, in a consistent order.
 */
@Injectable()
export class UploadsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly uploads: UploadsRepository,
    private readonly repositories: RepositoriesService,
    private readonly layers: LayersService,
    private readonly gc: StorageGcService,
    private readonly metrics: MetricsService,
    @Inject(SHA256_ENGINE) private readonly sha256: Sha256Engine,
    @Inject(SHA512_ENGINE) private readonly sha512: Sha512Engine,
    @Inject(BLOB_STORES) private readonly stores: BlobStores,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registrySettings: RegistrySettingsService,
  ) {}

  /** A new upload into the repository, with this instance's storage driver. */
  async initiate(
    registryId: string,
    repositoryName: string,
    start: UploadStart = {},
  ): Promise<{ uploadId: string }> {
    const uploadId = randomUUID();
    // A sha512 upload starts from an empty SHA-512 state: the state's tag says how it is hashed.
    const hashState = start.digestAlgorithm === 'sha512' ? this.sha512.initial() : null;
    await this.dataSource.transaction(async (manager) => {
      const repo = await this.repositories.require(registryId, repositoryName, manager, 'share');
      await this.repositories.requireWritable(repo, manager);
      // Counted one initiation at a time per account (see `serialiseInitiations`), so that
      // concurrent initiations at any number of instances never pass the limits together.
      await this.uploads.serialiseInitiations(manager, registryId);
      const open = await this.uploads.openUploads(manager, registryId, repo.id);
      const { maxOpenUploadsPerRepository: perRepository, maxOpenUploadsPerAccount: perAccount } =
        this.config;
      if (open.repository >= perRepository) {
        throw new LimitExceededException(
          `The repository with name '${repositoryName}' in registry with id '${registryId}' already has ${open.repository} layer uploads in progress, the most a repository may have (${perRepository}); complete one, or wait until abandoned ones expire`,
        );
      }
      if (open.account >= perAccount) {
        throw new LimitExceededException(
          `The registry with id '${registryId}' already has ${open.account} layer uploads in progress, the most an account may have (${perAccount}); complete one, or wait until abandoned ones expire`,
        );
      }
      await this.uploads.insert(manager, {
        id: uploadId,
        repositoryId: repo.id,
        storageKey: randomUUID(),
        driver: this.config.blobStore,
        hashState,
      });
    });
    return { uploadId };
  }

  /**
   * Opens the staging a part's bytes go into while they arrive: with this instance's storage
   * driver, before the upload (and so the object and part number) is known.
   */
  stagePart(): BlobSink {
    return this.stores[this.config.blobStore].stagePart();
  }

  /**
   * Appends bytes to the upload; answers the bytes it now holds. The body is read with no
   * connection and no lock held; each part of it (the whole append under `maxAppendBytes`, else
   * at most STREAM_PART_BYTES) is then committed in a short transaction of its own, under the
   * upload's row lock: the position check, the limits, the write (while the same bytes are
   * hashed) and the new state. A streamed append that fails part-way leaves the upload holding
   * the parts committed before, which its status tells, so the client resumes from there.
   */
  async append(append: UploadAppend): Promise<{ bytesReceived: number }> {
    const { body, rules } = append;
    const repo = await this.repositories.require(append.registryId, append.repositoryName);
    await this.repositories.requireWritable(repo);
    const target = { ...append, uploadId: append.uploadId.toLowerCase(), repositoryId: repo.id };
    if (Buffer.isBuffer(body) && rules.maxAppendBytes !== undefined) {
      // All here, and one part whatever its size: the commit refuses it when it is too large.
      const staged = isStagedPart(append.staged) ? append.staged : undefined;
      return this.commit(target, {
        data: body,
        at: append.start,
        total: body.length,
        last: true,
        staged,
      });
    }
    const partBytes =
      rules.maxAppendBytes === undefined ? STREAM_PART_BYTES : rules.maxAppendBytes + 1;
    const declared = append.declared?.bytes;
    let at = append.start;
    let committed: number | undefined;
    let pending: Buffer[] = [];
    let filled = 0;
    let total = 0;
    const flush = async (bytes: number, last: boolean): Promise<void> => {
      const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, filled);
      const data = all.subarray(0, bytes);
      pending = bytes < all.length ? [all.subarray(bytes)] : [];
      filled -= bytes;
      committed = (await this.commit(target, { data, at, total: total - filled, last }))
        .bytesReceived;
      at = committed;
    };
    for await (const piece of Buffer.isBuffer(body) ? [body] : body) {
      pending.push(piece);
      filled += piece.length;
      total += piece.length;
      // More than the client said: refused at once (by the commit, which says where it stands).
      if (declared !== undefined && total > declared) {
        return this.commit(target, { data: Buffer.alloc(0), at, total, last: false });
      }
      while (filled >= partBytes) await flush(partBytes, false);
    }
    if (filled > 0 || committed === undefined || (declared !== undefined && total !== declared)) {
      await flush(filled, true);
    }
    return { bytesReceived: committed! };
  }

  /** Commits one part of an append (see `append`); answers the bytes the upload now holds. */
  private async commit(
    append: UploadAppend & { uploadId: string; repositoryId: string },
    step: AppendStep,
  ): Promise<{ bytesReceived: number }> {
    const { registryId, repositoryName, uploadId, rules, declared } = append;
    const { data, staged } = step;
    await append.beforeCommit?.();
    let stored: { driver: string; path: 'streamed' | 'buffered' } | undefined;
    const apply = async (tx: StorageTransaction): Promise<{ bytesReceived: number }> => {
      const manager = transactionManager(tx);
      const upload = await this.uploads.lock(manager, uploadId, append.repositoryId);
      if (!upload) throw UploadNotFoundException.of(registryId, repositoryName, uploadId);
      const { bytesReceived: received, partSizes } = upload;
      const fail = (message: string): InvalidLayerPartException =>
        new InvalidLayerPartException(message, {
          registryId,
          repositoryName,
          uploadId,
          lastValidByteReceived: received > 0 ? received - 1 : undefined,
        });
      const { noun } = rules;
      if (step.last && step.total === 0 && !rules.emptyAppend) throw fail(`The ${noun} is empty`);
      if (rules.maxAppendBytes !== undefined && step.total > rules.maxAppendBytes) {
        throw fail(
          `A ${noun} holds at most ${rules.maxAppendBytes} bytes; this one holds ${step.total}`,
        );
      }
      if (
        declared !== undefined &&
        (step.last ? step.total !== declared.bytes : step.total > declared.bytes)
      ) {
        const holds = step.last ? `${step.total}` : `more than ${declared.bytes}`;
        throw fail(`The ${noun} holds ${holds} bytes, but ${declared.said}`);
      }
      if (step.at !== undefined && step.at !== received) {
        throw fail(`First byte of the ${noun} is ${step.at} instead of ${received}`);
      }
      const previous = partSizes.at(-1);
      const small = previous !== undefined && previous < MIN_PART_BYTES;
      // Under `refuse`, a part under the minimum may only be the last: nothing may follow it.
      // Refused now rather than at completion, so that such an upload takes no further bytes.
      if (small && rules.smallPart === 'refuse') {
        throw fail(
          `All layer parts except the last part should be at least 5MB; the part ending at byte ${received - 1} holds ${previous} bytes, so no part may follow it`,
        );
      }
      const gather = small && rules.smallPart === 'gather';
      if (!gather && data.length > 0 && partSizes.length >= this.config.maxLayerParts) {
        throw new LimitExceededException(
          `The upload with id '${uploadId}' already has ${partSizes.length} layer parts, the most an upload may have (${this.config.maxLayerParts})`,
        );
      }
      if (received + data.length > this.config.maxLayerSize) {
        throw new LimitExceededException(
          `The layer would exceed the maximum layer size of ${this.config.maxLayerSize} bytes`,
        );
      }
      if (data.length === 0) return { bytesReceived: received };
      const store = this.stores[upload.driver];
      let written: Promise<void>;
      let sizes: number[];
      if (gather) {
        // The small last part is written again with the new bytes after it: a re-copy of less
        // than MIN_PART_BYTES, which keeps the part count bounded whatever the chunks' sizes.
        // The part's old bytes stay its new bytes' prefix, so a write that lands without its
        // commit leaves reads of the recorded size as they were.
        const partNo = partSizes.length - 1;
        const grown = Buffer.concat([
          await store.readPart(tx, upload.storageKey, partNo, previous),
          data,
        ]);
        written = store.writePart(tx, upload.storageKey, partNo, grown);
        sizes = [...partSizes.slice(0, -1), grown.length];
        stored = { driver: upload.driver, path: 'buffered' };
      } else {
        // Bytes staged while they arrived are only placed; otherwise they are written now.
        const partNo = partSizes.length;
        const streamed = staged?.driver === upload.driver && staged.usable();
        written = streamed
          ? staged.place(tx, upload.storageKey, partNo, data)
          : store.writePart(tx, upload.storageKey, partNo, data);
        sizes = [...partSizes, data.length];
        stored = { driver: upload.driver, path: streamed ? 'streamed' : 'buffered' };
      }
      // The write is under way (fsync included) while the CPU hashes the same bytes. Awaited
      // below; handled now, since it may fail while the hashing still runs.
      written.catch(() => undefined);
      let state: Buffer;
      try {
        state = await updateInSteps(this.hashOf(upload.hashState), upload.hashState, data);
      } finally {
        await written;
      }
      const bytesReceived = received + data.length;
      await this.uploads.recordParts(manager, uploadId, {
        bytesReceived,
        partSizes: sizes,
        hashState: state,
      });
      return { bytesReceived };
    };
    const result = await (staged?.transaction
      ? staged.transaction(data, apply)
      : this.dataSource.transaction((manager) => apply(storageTransaction(manager))));
    if (stored) this.metrics.layerParts.inc(stored);
    return result;
  }

  /**
   * Completes the upload into a layer of its repository; answers the layer's digest, and whether
   * the layer was added (false: the repository had it already, and the upload is consumed all
   * the same).
   */
  async complete(completion: LayerCompletion): Promise<{ digest: string; created: boolean }> {
    const { registryId, repositoryName, rules } = completion;
    const uploadId = completion.uploadId.toLowerCase();
    const joined = await this.joinAhead(completion, uploadId);
    const outcome = await this.dataSource.transaction(async (manager) => {
      // Lock order: the repository (FOR SHARE: the layer row references it), then the upload.
      const repo = await this.repositories.require(registryId, repositoryName, manager, 'share');
      await this.repositories.requireWritable(repo, manager);
      const upload = await this.uploads.lock(manager, uploadId, repo.id);
      if (!upload) throw UploadNotFoundException.of(registryId, repositoryName, uploadId);
      const { partSizes } = upload;
      if (!rules.emptyUpload && partSizes.length === 0) {
        throw EmptyUploadException.of(registryId, repositoryName, uploadId);
      }
      // Appends refuse such a part already; an upload stored before they did may hold one.
      if (
        rules.smallPart === 'refuse' &&
        partSizes.slice(0, -1).some((size) => size < MIN_PART_BYTES)
      ) {
        throw new LayerPartTooSmallException();
      }
      // The digest comes from the stored running state: no byte is read again, unless the
      // upload was hashed with another algorithm than the digest's.
      const algorithm = completion.digestAlgorithm ?? 'sha256';
      const hashed: DigestAlgorithm = isSha512State(upload.hashState) ? 'sha512' : 'sha256';
      const store = this.stores[upload.driver];
      let hex: string;
      if (hashed === algorithm) {
        hex = this.hashOf(upload.hashState).digestHex(upload.hashState);
      } else {
        // Read back, which a driver whose parts are unreadable until joined (s3) needs first.
        await store.complete(upload.storageKey, partSizes);
        hex = await this.rehash(upload, algorithm);
      }
      const digest = `${algorithm}:${hex}`;
      if (!completion.layerDigests.some((given) => digestsEqual(given, digest))) {
        throw InvalidLayerException.digestMismatch();
      }
      // The parts become one object before the row that makes it a blob commits: a failure from
      // here on leaves a joined object under the upload's key (garbage, or joined again by a
      // retry), never a blob row without its bytes. Joined already unless a part came since.
      if (!joined || !samePartSizes(joined, partSizes)) {
        await store.complete(upload.storageKey, partSizes);
      }
      const recorded = await this.layers.record(manager, {
        repositoryId: repo.id,
        digest,
        size: upload.bytesReceived,
        storageKey: upload.storageKey,
        partSizes,
      });
      // Consumed on success, and also when the repository already had the layer: its bytes
      // are stored already, so nothing is lost and nothing is left to retry.
      await this.uploads.delete(manager, uploadId);
      return { digest, recorded, repositoryId: repo.id };
    });
    // Committed: this instance's next check of the layer reads it (read-your-writes).
    this.layers.changed(outcome.repositoryId);
    if (!outcome.recorded.storageAdopted) this.gc.collectSoon();
    return { digest: outcome.digest, created: outcome.recorded.created };
  }

  /**
   * Joins the upload's parts into one object before the completion's transaction, so that the
   * transaction holds no connection and no lock while the store works (the s3 driver's join is
   * several round trips to S3, and 64 completions at once would otherwise wait out the pool).
   * Answers the part sizes joined; undefined when the completion will fail anyway or the digest
   * must be read back, left to the transaction, which checks everything again under its locks.
   */
  private async joinAhead(
    completion: LayerCompletion,
    uploadId: string,
  ): Promise<number[] | undefined> {
    const { registryId, repositoryName, rules } = completion;
    const repo = await this.repositories.require(registryId, repositoryName).catch(() => undefined);
    const upload = repo && (await this.uploads.peek(uploadId, repo.id));
    if (!upload) return undefined;
    const sizes = upload.partSizes;
    if (!rules.emptyUpload && sizes.length === 0) return undefined;
    if (rules.smallPart === 'refuse' && sizes.slice(0, -1).some((n) => n < MIN_PART_BYTES)) {
      return undefined;
    }
    const algorithm = completion.digestAlgorithm ?? 'sha256';
    if ((isSha512State(upload.hashState) ? 'sha512' : 'sha256') !== algorithm) return undefined;
    const digest = `${algorithm}:${this.hashOf(upload.hashState).digestHex(upload.hashState)}`;
    if (!completion.layerDigests.some((given) => digestsEqual(given, digest))) return undefined;
    await this.stores[upload.driver].complete(upload.storageKey, upload.partSizes);
    return upload.partSizes;
  }

  /** The engine that resumes a stored hash state (null: nothing hashed yet, so SHA-256). */
  private hashOf(state: Uint8Array | null): ResumableHash {
    return isSha512State(state) ? this.sha512 : this.sha256;
  }

  /**
   * The hex digest of an upload's stored bytes in `algorithm`, read back from storage: for an
   * upload completed with a digest of another algorithm than it was hashed with, as a client
   * that did not announce a sha512 push does. Rare, and as slow as reading the blob.
   */
  private async rehash(upload: LockedUpload, algorithm: DigestAlgorithm): Promise<string> {
    const hash = createHash(algorithm);
    const { bytesReceived: size, partSizes, storageKey } = upload;
    if (size > 0) {
      const stream = this.stores[upload.driver].read(storageKey, partSizes, 0, size - 1);
      for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    }
    return hash.digest('hex');
  }

  /** Where an upload of the repository stands: the bytes it holds. */
  async status(
    registryId: string,
    repositoryName: string,
    uploadId: string,
  ): Promise<{ bytesReceived: number }> {
    const id = uploadId.toLowerCase();
    const row = await this.uploads.find(id);
    if (!row || row.registryId !== registryId || row.repositoryName !== repositoryName) {
      // The repository first: a missing one is its own error, as on every other call.
      await this.repositories.require(registryId, repositoryName);
      throw UploadNotFoundException.of(registryId, repositoryName, id);
    }
    return { bytesReceived: row.bytesReceived };
  }

  /** Cancels an upload of the repository; its bytes are collected after. */
  async cancel(registryId: string, repositoryName: string, uploadId: string): Promise<void> {
    await this.status(registryId, repositoryName, uploadId);
    if (!(await this.abort(uploadId))) {
      throw UploadNotFoundException.of(registryId, repositoryName, uploadId.toLowerCase());
    }
  }

  /**
   * Makes the layer `digest` of repository `from` a layer of `repositoryName` too, sharing its
   * stored bytes (a cross-repository mount, within one registry). False when `from` has no such
   * layer (or does not exist), and when the registry's BLOB_MOUNTING setting is DISABLED: the
   * caller uploads the bytes instead.
   */
  async mount(
    registryId: string,
    repositoryName: string,
    from: string,
    digest: string,
  ): Promise<boolean> {
    if (!(await this.registrySettings.blobMountingEnabled(registryId))) return false;
    const linked = await this.dataSource.transaction(async (manager) => {
      const repo = await this.repositories.require(registryId, repositoryName, manager, 'share');
      const source = await this.repositories
        .require(registryId, from, manager)
        .catch(() => undefined);
      if (!source) return undefined;
      return (await this.layers.link(manager, source.id, repo.id, digest)) ? repo.id : undefined;
    });
    if (linked) this.layers.changed(linked);
    return linked !== undefined;
  }

  /**
   * Removes uploads untouched for `UPLOAD_TTL` (or `ttlSeconds`), then their bytes; answers how
   * many and how many bytes.
   */
  async purgeExpired(
    ttlSeconds = this.config.uploadTtlSeconds,
    tempGraceSeconds = Math.min(ttlSeconds, DEFAULT_TEMP_GRACE_SECONDS),
  ): Promise<{ uploads: number; bytes: number }> {
    const { uploads, bytes } = await this.purge(ttlSeconds, false, tempGraceSeconds);
    return { uploads: uploads.length, bytes };
  }

  /**
   * Removes uploads untouched for `ttlSeconds`, then their bytes; with `dryRun`, only lists
   * them. Either way, answers the uploads concerned.
   */
  async purge(
    ttlSeconds: number,
    dryRun: boolean,
    tempGraceSeconds = Math.min(ttlSeconds, DEFAULT_TEMP_GRACE_SECONDS),
  ): Promise<{ uploads: UploadListing[]; bytes: number }> {
    const purged: UploadListing[] = [];
    if (dryRun) {
      purged.push(...(await this.uploads.expired(ttlSeconds, false, null)));
    } else {
      for (;;) {
        const rows = await this.uploads.expired(ttlSeconds, true, PURGE_BATCH);
        purged.push(...rows);
        if (rows.length < PURGE_BATCH) break;
      }
      await this.gc.collect(tempGraceSeconds);
    }
    return { uploads: purged, bytes: purged.reduce((sum, u) => sum + u.bytesReceived, 0) };
  }

  async find(uploadId: string): Promise<UploadListing | undefined> {
    return this.uploads.find(uploadId.toLowerCase());
  }

  /** Oldest first; `after` is the (createdAt, uploadId) of the last one of the previous page. */
  async list(
    filter: { registryId?: string; repositoryId?: string },
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<UploadListing[]> {
    return this.uploads.page(filter, limit, after);
  }

  /**
   * Aborts an upload: its row goes at once (waiting for a part being written to it), so it is
   * UploadNotFoundException from then on; its bytes are collected after.
   */
  async abort(uploadId: string): Promise<boolean> {
    const removed = await this.uploads.delete(this.dataSource.manager, uploadId.toLowerCase());
    if (removed) this.gc.collectSoon();
    return removed;
  }
}

function samePartSizes(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
