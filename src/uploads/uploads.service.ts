import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { BlobSink } from '../common/blob-sink';
import { LimitExceededException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig, type BlobStoreDriver } from '../config/app-config';
import { SHA256_ENGINE, SHA512_ENGINE } from '../crypto/crypto.module';
import { digestsEqual, type DigestAlgorithm } from '../crypto/digest';
import { updateInSteps, type ResumableHash, type Sha256Engine } from '../crypto/sha256-state';
import { isSha512State, type Sha512Engine } from '../crypto/sha512-state';
import { InvalidLayerException, LayerAlreadyExistsException } from '../layers/layers.errors';
import { LayersService } from '../layers/layers.service';
import { MetricsService } from '../metrics/metrics.service';
import { RepositoriesService } from '../repositories/repositories.service';
import { BLOB_STORES, BlobStores, isStagedPart } from '../storage/blob-store';
import { DEFAULT_TEMP_GRACE_SECONDS, StorageGcService } from '../storage/storage-gc.service';
import {
  EmptyUploadException,
  InvalidLayerPartException,
  LayerPartTooSmallException,
  UploadNotFoundException,
} from './uploads.errors';
import { UploadRow, UploadsRepository } from './uploads.repository';

/** What InitiateLayerUpload recommends; the size real ECR answers. */
export const PART_SIZE = 10 * 1024 * 1024;
export const MAX_PART_BYTES = 20 * 1024 * 1024;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Expired uploads are removed this many at a time. */
const PURGE_BATCH = 500;

export interface LayerPart {
  registryId: string;
  repositoryName: string;
  uploadId: string;
  partFirstByte: number;
  partLastByte: number;
  data: Buffer;
  /** Where the front door stored `data` while it arrived, if it did. */
  staged?: BlobSink;
}

export interface LayerCompletion {
  registryId: string;
  repositoryName: string;
  uploadId: string;
  /** The digests the client computed; one must match the layer's. */
  layerDigests: string[];
  /**
   * The part rules of the door that completes: ECR's (the default) refuse an upload with no part
   * (EmptyUploadException) and parts but the last under 5 MiB (LayerPartTooSmallException); the
   * OCI door's chunks have any size, and an empty blob is a blob.
   */
  partRules?: 'ecr' | 'any';
  /**
   * The algorithm of the layer's digest, which it is recorded under: `sha256` (the default, and
   * all the ECR API knows) or `sha512`. An upload hashed with another algorithm than this one
   * (started without saying it would be sha512) has its bytes read back and hashed again.
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

/** Bytes appended to an upload from a stream, as they arrive. */
export interface UploadAppend {
  registryId: string;
  repositoryName: string;
  uploadId: string;
  /** Where the client says the bytes start; they are refused unless that is the upload's end. */
  start?: number;
  body: AsyncIterable<Buffer>;
}

/**
 * A stream is stored in parts of at most this size: the most of it held in memory at once. The
 * same part sizes as the ECR door's recommended ones keep reads of both kinds of layer alike.
 */
export const STREAM_PART_BYTES = 8 * 1024 * 1024;

export interface UploadListing {
  uploadId: string;
  registryId: string;
  repositoryId: string;
  repositoryName: string;
  bytesReceived: number;
  parts: number;
  createdAt: Date;
  updatedAt: Date;
  ageSeconds: number;
  idleSeconds: number;
}

function listing(row: UploadRow): UploadListing {
  return {
    uploadId: row.id,
    registryId: row.registry_id,
    repositoryId: String(row.repository_id),
    repositoryName: row.name,
    bytesReceived: Number(row.bytes_received),
    parts: Number(row.parts),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ageSeconds: Math.floor(row.age),
    idleSeconds: Math.floor(row.idle),
  };
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

  /** Appends a part; answers the last byte now received. */
  async uploadPart(part: LayerPart): Promise<{ lastByteReceived: number }> {
    const uploadId = part.uploadId.toLowerCase();
    const { registryId, repositoryName, data } = part;
    const staged = isStagedPart(part.staged) ? part.staged : undefined;
    const repo = await this.repositories.require(registryId, repositoryName);
    let stored: { driver: string; path: 'streamed' | 'buffered' } | undefined;
    const apply = async (manager: EntityManager): Promise<{ lastByteReceived: number }> => {
      const upload = await this.uploads.lock(manager, uploadId, repo.id);
      if (!upload) throw UploadNotFoundException.of(registryId, repositoryName, uploadId);
      const received = Number(upload.bytes_received);
      const fail = (message: string): InvalidLayerPartException =>
        new InvalidLayerPartException(message, {
          registryId,
          repositoryName,
          uploadId,
          lastValidByteReceived: received > 0 ? received - 1 : undefined,
        });
      if (data.length === 0) throw fail('The layer part is empty');
      if (data.length > MAX_PART_BYTES) {
        throw fail(
          `A layer part holds at most ${MAX_PART_BYTES} bytes; this one holds ${data.length}`,
        );
      }
      const declared = part.partLastByte - part.partFirstByte + 1;
      if (declared !== data.length) {
        throw fail(
          `The layer part holds ${data.length} bytes, but partFirstByte ${part.partFirstByte} and partLastByte ${part.partLastByte} describe ${Math.max(declared, 0)}`,
        );
      }
      if (part.partFirstByte !== received) {
        throw fail(`First byte of the layer part is ${part.partFirstByte} instead of ${received}`);
      }
      // A part under the minimum may only be the last: once one is stored, nothing may follow.
      // Refused now rather than at completion, so that such an upload takes no further bytes.
      const previous = upload.part_sizes.length > 0 ? Number(upload.part_sizes.at(-1)) : undefined;
      if (previous !== undefined && previous < MIN_PART_BYTES) {
        throw fail(
          `All layer parts except the last part should be at least 5MB; the part ending at byte ${received - 1} holds ${previous} bytes, so no part may follow it`,
        );
      }
      if (upload.part_sizes.length >= this.config.maxLayerParts) {
        throw new LimitExceededException(
          `The upload with id '${uploadId}' already has ${upload.part_sizes.length} layer parts, the most an upload may have (${this.config.maxLayerParts})`,
        );
      }
      if (received + data.length > this.config.maxLayerSize) {
        throw new LimitExceededException(
          `The layer would exceed the maximum layer size of ${this.config.maxLayerSize} bytes`,
        );
      }
      // The write is under way (fsync included) while the CPU hashes the same bytes. Bytes
      // staged while they arrived are only placed; otherwise they are written now.
      const partNo = upload.part_sizes.length;
      const streamed = staged?.driver === upload.driver && staged.usable();
      stored = { driver: upload.driver, path: streamed ? 'streamed' : 'buffered' };
      const written = streamed
        ? staged.place(manager, upload.storage_key, partNo, data)
        : this.stores[upload.driver].writePart(manager, upload.storage_key, partNo, data);
      // Awaited below; handled now, since it may fail while the hashing still runs.
      written.catch(() => undefined);
      let state: Buffer;
      try {
        state = await updateInSteps(this.hashOf(upload.hash_state), upload.hash_state, data);
      } finally {
        await written;
      }
      await this.uploads.appendPart(manager, uploadId, {
        bytesReceived: received + data.length,
        size: data.length,
        hashState: state,
      });
      return { lastByteReceived: part.partLastByte };
    };
    const result = await (staged?.transaction
      ? staged.transaction(data, apply)
      : this.dataSource.transaction(apply));
    if (stored) this.metrics.layerParts.inc(stored);
    return result;
  }

  /** Completes the upload into a layer of its repository; answers the layer's digest. */
  async complete(completion: LayerCompletion): Promise<{ layerDigest: string }> {
    const { registryId, repositoryName } = completion;
    const uploadId = completion.uploadId.toLowerCase();
    const outcome = await this.dataSource.transaction(async (manager) => {
      // Lock order: the repository (FOR SHARE: the layer row references it), then the upload.
      const repo = await this.repositories.require(registryId, repositoryName, manager, 'share');
      const upload = await this.uploads.lock(manager, uploadId, repo.id);
      if (!upload) throw UploadNotFoundException.of(registryId, repositoryName, uploadId);
      const partSizes = upload.part_sizes.map(Number);
      if ((completion.partRules ?? 'ecr') === 'ecr') {
        if (partSizes.length === 0) {
          throw EmptyUploadException.of(registryId, repositoryName, uploadId);
        }
        if (partSizes.slice(0, -1).some((size) => size < MIN_PART_BYTES)) {
          throw new LayerPartTooSmallException();
        }
      }
      // The digest comes from the stored running state: no byte is read again, unless the
      // upload was hashed with another algorithm than the digest's.
      const algorithm = completion.digestAlgorithm ?? 'sha256';
      const hashed: DigestAlgorithm = isSha512State(upload.hash_state) ? 'sha512' : 'sha256';
      const hex =
        hashed === algorithm
          ? this.hashOf(upload.hash_state).digestHex(upload.hash_state)
          : await this.rehash(upload, partSizes, algorithm);
      const digest = `${algorithm}:${hex}`;
      if (!completion.layerDigests.some((given) => digestsEqual(given, digest))) {
        throw InvalidLayerException.digestMismatch();
      }
      const recorded = await this.layers.record(manager, {
        repositoryId: repo.id,
        digest,
        size: Number(upload.bytes_received),
        storageKey: upload.storage_key,
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
    if (!outcome.recorded.created) {
      throw LayerAlreadyExistsException.of(registryId, repositoryName, outcome.digest);
    }
    return { layerDigest: outcome.digest };
  }

  /**
   * Appends the bytes of `append.body` to the upload as they arrive: stored in parts of at most
   * STREAM_PART_BYTES and hashed on the way, so no more than one part is ever in memory. The
   * upload's row lock is held throughout, and the whole append is one transaction: a stream that
   * fails (the client hung up) leaves the upload as it was. Answers the bytes now received.
   */
  async appendStream(append: UploadAppend): Promise<{ bytesReceived: number }> {
    const { registryId, repositoryName } = append;
    const uploadId = append.uploadId.toLowerCase();
    const repo = await this.repositories.require(registryId, repositoryName);
    return this.dataSource.transaction(async (manager) => {
      const upload = await this.uploads.lock(manager, uploadId, repo.id);
      if (!upload) throw UploadNotFoundException.of(registryId, repositoryName, uploadId);
      let received = Number(upload.bytes_received);
      if (append.start !== undefined && append.start !== received) {
        throw new InvalidLayerPartException(
          `First byte of the chunk is ${append.start} instead of ${received}`,
          {
            registryId,
            repositoryName,
            uploadId,
            lastValidByteReceived: received > 0 ? received - 1 : undefined,
          },
        );
      }
      const store = this.stores[upload.driver];
      let partNo = upload.part_sizes.length;
      let state = upload.hash_state;
      const engine = this.hashOf(state);
      const sizes: number[] = [];
      const buffer = Buffer.allocUnsafe(STREAM_PART_BYTES);
      let filled = 0;
      const flush = async (): Promise<void> => {
        if (filled === 0) return;
        if (received + filled > this.config.maxLayerSize) {
          throw new LimitExceededException(
            `The layer would exceed the maximum layer size of ${this.config.maxLayerSize} bytes`,
          );
        }
        const data = buffer.subarray(0, filled);
        const written = store.writePart(manager, upload.storage_key, partNo, data);
        written.catch(() => undefined);
        try {
          state = await updateInSteps(engine, state, data);
        } finally {
          await written;
        }
        partNo += 1;
        received += filled;
        sizes.push(filled);
        filled = 0;
      };
      for await (const chunk of append.body) {
        for (let at = 0; at < chunk.length;) {
          const n = chunk.copy(buffer, filled, at);
          filled += n;
          at += n;
          if (filled === buffer.length) await flush();
        }
      }
      await flush();
      if (sizes.length > 0 && state) {
        await this.uploads.appendParts(manager, uploadId, {
          bytesReceived: received,
          sizes,
          hashState: state,
        });
      }
      return { bytesReceived: received };
    });
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
  private async rehash(
    upload: { storage_key: string; driver: BlobStoreDriver; bytes_received: string },
    partSizes: number[],
    algorithm: DigestAlgorithm,
  ): Promise<string> {
    const hash = createHash(algorithm);
    const size = Number(upload.bytes_received);
    if (size > 0) {
      const stream = this.stores[upload.driver].read(upload.storage_key, partSizes, 0, size - 1);
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
    if (!row || row.registry_id !== registryId || row.name !== repositoryName) {
      // The repository first: a missing one is its own error, as on every other call.
      await this.repositories.require(registryId, repositoryName);
      throw UploadNotFoundException.of(registryId, repositoryName, id);
    }
    return { bytesReceived: Number(row.bytes_received) };
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
   * layer (or does not exist): the caller uploads the bytes instead.
   */
  async mount(
    registryId: string,
    repositoryName: string,
    from: string,
    digest: string,
  ): Promise<boolean> {
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
      purged.push(...(await this.uploads.expired(ttlSeconds, false, null)).map(listing));
    } else {
      for (;;) {
        const rows = await this.uploads.expired(ttlSeconds, true, PURGE_BATCH);
        purged.push(...rows.map(listing));
        if (rows.length < PURGE_BATCH) break;
      }
      await this.gc.collect(100, tempGraceSeconds);
    }
    return { uploads: purged, bytes: purged.reduce((sum, u) => sum + u.bytesReceived, 0) };
  }

  async find(uploadId: string): Promise<UploadListing | undefined> {
    const row = await this.uploads.find(uploadId.toLowerCase());
    return row && listing(row);
  }

  /** Oldest first; `after` is the (createdAt, uploadId) of the last one of the previous page. */
  async list(
    filter: { registryId?: string; repositoryId?: string },
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<UploadListing[]> {
    return (await this.uploads.page(filter, limit, after)).map(listing);
  }

  /**
   * Aborts an upload: its row goes at once (waiting for a part being written to it), so the ECR
   * API answers UploadNotFoundException for it from then on; its bytes are collected after.
   */
  async abort(uploadId: string): Promise<boolean> {
    const removed = await this.uploads.delete(this.dataSource.manager, uploadId.toLowerCase());
    if (removed) this.gc.collectSoon();
    return removed;
  }
}
