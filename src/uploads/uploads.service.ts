import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EcrCallContext, EcrResult } from '../common/ecr-call-context';
import { LimitExceededException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SHA256_ENGINE } from '../crypto/crypto.module';
import { digestsEqual, formatSha256Digest } from '../crypto/digest';
import { updateInSteps, type Sha256Engine } from '../crypto/sha256-state';
import { EcrOperation } from '../ecr/ecr-operation.decorator';
import { InvalidLayerException, LayerAlreadyExistsException } from '../layers/layers.errors';
import { LayersService } from '../layers/layers.service';
import { MetricsService } from '../metrics/metrics.service';
import { RepositoriesService } from '../repositories/repositories.service';
import type { BlobSink } from '../common/blob-sink';
import { BLOB_STORES, BlobStores, isStagedPart } from '../storage/blob-store';
import { DEFAULT_TEMP_GRACE_SECONDS, StorageGcService } from '../storage/storage-gc.service';
import {
  CompleteLayerUploadRequest,
  InitiateLayerUploadRequest,
  UploadLayerPartRequest,
} from './dto/upload-requests';
import {
  EmptyUploadException,
  InvalidLayerPartException,
  LayerPartTooSmallException,
  UploadNotFoundException,
} from './uploads.errors';

/** What InitiateLayerUpload recommends; the size real ECR answers. */
export const PART_SIZE = 10 * 1024 * 1024;
export const MAX_PART_BYTES = 20 * 1024 * 1024;
/**
 * The body of the largest part: its 20 MiB in base64 (27,962,028 characters) plus room for the
 * other members. A part a little over 20 MiB still fits, so that it is answered
 * `InvalidLayerPartException` with where the upload stands, like any bad part.
 */
export const MAX_PART_BODY_BYTES = Math.ceil(MAX_PART_BYTES / 3) * 4 + 4096;
export const MIN_PART_BYTES = 5 * 1024 * 1024;

interface LockedUpload {
  bytes_received: string;
  part_sizes: string[];
  hash_state: Buffer | null;
  storage_key: string;
  driver: 'filesystem' | 'postgres';
}

const LOCK_UPLOAD = `
  SELECT u.bytes_received, u.part_sizes, u.hash_state, u.storage_key, s.driver
    FROM uploads u JOIN storage_objects s ON s.key = u.storage_key
   WHERE u.id = $1 AND u.repository_id = $2
     FOR UPDATE OF u`;

/**
 * Owns upload sessions: their parts, their running digest, and their completion into a layer.
 * Every step that reads an upload's state holds its row lock, so parts and completions arriving
 * at any number of instances are applied one at a time, in a consistent order.
 */
@Injectable()
export class UploadsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoriesService,
    private readonly layers: LayersService,
    private readonly gc: StorageGcService,
    private readonly metrics: MetricsService,
    @Inject(SHA256_ENGINE) private readonly sha256: Sha256Engine,
    @Inject(BLOB_STORES) private readonly stores: BlobStores,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @EcrOperation('InitiateLayerUpload', InitiateLayerUploadRequest)
  async initiate(input: InitiateLayerUploadRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const uploadId = randomUUID();
    const storageKey = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      const repo = await this.repositories.require(
        ctx.registryId,
        input.repositoryName,
        manager,
        true,
      );
      await manager.query('INSERT INTO storage_objects (key, driver) VALUES ($1, $2)', [
        storageKey,
        this.config.blobStore,
      ]);
      await manager.query(
        'INSERT INTO uploads (id, repository_id, storage_key) VALUES ($1, $2, $3)',
        [uploadId, repo.id, storageKey],
      );
    });
    return { uploadId, partSize: PART_SIZE };
  }

  /**
   * Opens the staging a part's bytes go into while they arrive: with this instance's storage
   * driver, before the upload (and so the object and part number) is known.
   */
  stagePart(): BlobSink {
    return this.stores[this.config.blobStore].stagePart();
  }

  @EcrOperation('UploadLayerPart', UploadLayerPartRequest, {
    maxBodyBytes: MAX_PART_BODY_BYTES,
    blobMember: 'layerPartBlob',
    blobSink: 'stagePart',
  })
  async uploadPart(input: UploadLayerPartRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const uploadId = input.uploadId.toLowerCase();
    const data = input.layerPartBlob;
    const staged = isStagedPart(ctx.blobSink) ? ctx.blobSink : undefined;
    const repo = await this.repositories.require(ctx.registryId, input.repositoryName);
    let stored: { driver: string; path: 'streamed' | 'buffered' } | undefined;
    const apply = async (manager: EntityManager): Promise<EcrResult> => {
      const rows = await manager.query<LockedUpload[]>(LOCK_UPLOAD, [uploadId, repo.id]);
      const upload = rows[0];
      if (!upload) throw UploadNotFoundException.of(ctx.registryId, input.repositoryName, uploadId);
      const received = Number(upload.bytes_received);
      const fail = (message: string): InvalidLayerPartException =>
        new InvalidLayerPartException(message, {
          registryId: ctx.registryId,
          repositoryName: input.repositoryName,
          uploadId,
          lastValidByteReceived: received > 0 ? received - 1 : undefined,
        });
      if (data.length === 0) throw fail('The layer part is empty');
      if (data.length > MAX_PART_BYTES) {
        throw fail(
          `A layer part holds at most ${MAX_PART_BYTES} bytes; this one holds ${data.length}`,
        );
      }
      const declared = input.partLastByte - input.partFirstByte + 1;
      if (declared !== data.length) {
        throw fail(
          `The layer part holds ${data.length} bytes, but partFirstByte ${input.partFirstByte} and partLastByte ${input.partLastByte} describe ${Math.max(declared, 0)}`,
        );
      }
      if (input.partFirstByte !== received) {
        throw fail(`First byte of the layer part is ${input.partFirstByte} instead of ${received}`);
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
        state = await updateInSteps(this.sha256, upload.hash_state, data);
      } finally {
        await written;
      }
      await manager.query(
        `UPDATE uploads
            SET bytes_received = $2, part_sizes = array_append(part_sizes, $3::bigint),
                hash_state = $4, updated_at = now()
          WHERE id = $1`,
        [uploadId, received + data.length, data.length, state],
      );
      return {
        registryId: ctx.registryId,
        repositoryName: input.repositoryName,
        uploadId,
        lastByteReceived: input.partLastByte,
      };
    };
    const result = await (staged?.transaction
      ? staged.transaction(data, apply)
      : this.dataSource.transaction(apply));
    if (stored) this.metrics.layerParts.inc(stored);
    return result;
  }

  @EcrOperation('CompleteLayerUpload', CompleteLayerUploadRequest)
  async complete(input: CompleteLayerUploadRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const uploadId = input.uploadId.toLowerCase();
    const outcome = await this.dataSource.transaction(async (manager) => {
      // The repository first, held FOR SHARE: the layer row below references it, and taking it
      // after the upload's lock would deadlock with a DeleteRepository (which holds the
      // repository and waits for the upload to cascade).
      const repo = await this.repositories.require(
        ctx.registryId,
        input.repositoryName,
        manager,
        true,
      );
      const rows = await manager.query<LockedUpload[]>(LOCK_UPLOAD, [uploadId, repo.id]);
      const upload = rows[0];
      if (!upload) throw UploadNotFoundException.of(ctx.registryId, input.repositoryName, uploadId);
      const partSizes = upload.part_sizes.map(Number);
      if (partSizes.length === 0) {
        throw EmptyUploadException.of(ctx.registryId, input.repositoryName, uploadId);
      }
      if (partSizes.slice(0, -1).some((size) => size < MIN_PART_BYTES)) {
        throw new LayerPartTooSmallException();
      }
      // The digest comes from the stored running state: no byte is read again.
      const digest = formatSha256Digest(this.sha256.digest(upload.hash_state));
      if (!input.layerDigests.some((given) => digestsEqual(given, digest))) {
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
      await manager.query('DELETE FROM uploads WHERE id = $1', [uploadId]);
      return { digest, recorded };
    });
    if (!outcome.recorded.storageAdopted) this.gc.collectSoon();
    if (!outcome.recorded.created) {
      throw LayerAlreadyExistsException.of(ctx.registryId, input.repositoryName, outcome.digest);
    }
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      uploadId,
      layerDigest: outcome.digest,
    };
  }

  /**
   * Removes uploads untouched for `UPLOAD_TTL`, then their bytes. `SKIP LOCKED` leaves alone any
   * upload a request holds, and lets instances purge at once without sharing work.
   */
  async purgeExpired(
    ttlSeconds = this.config.uploadTtlSeconds,
    tempGraceSeconds = Math.min(ttlSeconds, DEFAULT_TEMP_GRACE_SECONDS),
  ): Promise<{ uploads: number; bytes: number }> {
    let uploads = 0;
    let bytes = 0;
    for (;;) {
      const [rows] = await this.dataSource.query<
        [{ id: string; bytes_received: string }[], number]
      >(
        `DELETE FROM uploads WHERE id IN (
           SELECT id FROM uploads WHERE updated_at < now() - make_interval(secs => $1)
            ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED)
         RETURNING id, bytes_received`,
        [ttlSeconds],
      );
      uploads += rows.length;
      bytes += rows.reduce((sum, r) => sum + Number(r.bytes_received), 0);
      if (rows.length < 500) break;
    }
    await this.gc.collect(100, tempGraceSeconds);
    return { uploads, bytes };
  }
}
