import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EcrCallContext, EcrResult } from '../common/ecr-call-context';
import { parseDigest } from '../crypto/digest';
import { EcrOperation } from '../ecr/ecr-operation.decorator';
import { RepositoryNotFoundException } from '../repositories/repositories.errors';
import { LAYER_DIGEST_PATTERN } from '../uploads/dto/upload-requests';
import { BatchCheckLayerAvailabilityRequest } from './dto/batch-check-layer-availability.request';

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

interface LayerRow {
  digest: string;
  size: string;
  media_type: string;
}

/** Owns layers per repository and the content-addressed blobs behind them. */
@Injectable()
export class LayersService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes `layer` a layer of its repository inside the caller's transaction. The blob row is
   * upserted (a row lock, which also keeps storage collection off it); the layer row relies on
   * the unique constraint (repository, digest), so of concurrent completions of one content into
   * one repository, on any instance, exactly one creates it.
   */
  async record(manager: EntityManager, layer: NewLayer): Promise<RecordedLayer> {
    const blob = await manager.query<{ storage_key: string }[]>(
      `INSERT INTO blobs (digest, size, storage_key, part_sizes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (digest) DO UPDATE SET size = blobs.size
       RETURNING storage_key`,
      [layer.digest, layer.size, layer.storageKey, layer.partSizes],
    );
    const storageAdopted = blob[0].storage_key === layer.storageKey;
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO layers (repository_id, digest, size, media_type) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT layers_repository_digest_key DO NOTHING
       RETURNING id`,
      [layer.repositoryId, layer.digest, layer.size, DEFAULT_LAYER_MEDIA_TYPE],
    );
    return { created: inserted.length === 1, storageAdopted };
  }

  @EcrOperation('BatchCheckLayerAvailability', BatchCheckLayerAvailabilityRequest)
  async batchCheck(
    input: BatchCheckLayerAvailabilityRequest,
    ctx: EcrCallContext,
  ): Promise<EcrResult> {
    const failures: Record<string, string>[] = [];
    const wanted: { given: string; digest: string }[] = [];
    for (const given of input.layerDigests) {
      if (given.length === 0) {
        failures.push({
          layerDigest: given,
          failureCode: 'MissingLayerDigest',
          failureReason: 'The layer digest is empty',
        });
      } else if (!LAYER_DIGEST.test(given)) {
        failures.push({
          layerDigest: given,
          failureCode: 'InvalidLayerDigest',
          failureReason: "The layer digest is not of the form '<algorithm>:<hex>'",
        });
      } else {
        wanted.push({ given, digest: parseDigest(given)?.digest ?? given.toLowerCase() });
      }
    }
    // One round trip: the repository and its matching layers (a repository with none gives one
    // row of NULLs; no row at all means no repository).
    const rows = await this.dataSource.query<(LayerRow & { repository_id: string })[]>(
      `SELECT r.id AS repository_id, l.digest, l.size, l.media_type
         FROM repositories r
         LEFT JOIN layers l ON l.repository_id = r.id AND l.digest = ANY($3)
        WHERE r.registry_id = $1 AND r.name = $2`,
      [ctx.registryId, input.repositoryName, wanted.map((w) => w.digest)],
    );
    if (rows.length === 0) {
      throw RepositoryNotFoundException.of(ctx.registryId, input.repositoryName);
    }
    const found = new Map(rows.filter((r) => r.digest !== null).map((r) => [r.digest, r]));
    const layers = wanted.map(({ given, digest }) => {
      const row = found.get(digest);
      return row
        ? {
            layerDigest: given,
            layerAvailability: 'AVAILABLE',
            layerSize: Number(row.size),
            mediaType: row.media_type,
          }
        : { layerDigest: given, layerAvailability: 'UNAVAILABLE' };
    });
    return { layers, failures };
  }
}
