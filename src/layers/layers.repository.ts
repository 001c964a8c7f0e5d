import { Injectable } from '@nestjs/common';
import { Client, type Notification, type Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { LAYERS_REPOSITORY_DIGEST_KEY } from '../database/constraints';
import type { BlobStoreDriver } from '../config/app-config';

/** A layer of a repository. Sizes are bigint columns; a layer's fits a number exactly. */
export interface LayerRecord {
  digest: string;
  size: number;
  mediaType: string;
}

/** A layer as operators list it. */
export interface ListedLayer extends LayerRecord {
  /** A bigint id, as a string. */
  id: string;
  createdAt: Date;
}

/** A layer with where its bytes are, as a download reads them. */
export interface LayerBlob {
  /** The account of the layer's repository. */
  registryId: string;
  digest: string;
  size: number;
  storageKey: string;
  partSizes: number[];
  driver: BlobStoreDriver;
  /** Whether an image of the repository references the layer. */
  referenced: boolean;
  /** Whether one of those images has no pull recorded in the last day. */
  pullDue: boolean;
}

/** A LISTEN on a connection of its own. */
export interface Subscription {
  /** Settles when the connection is lost (with why) or the subscription is closed (undefined). */
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

/** The SQL of the layers module: layers per repository, and the blobs behind them. */
@Injectable()
export class LayersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the blob under its digest, or, when one is stored already, takes its row lock (which
   * keeps storage collection off it) and answers the stored copy's key.
   */
  async upsertBlob(
    manager: EntityManager,
    blob: { digest: string; size: number; storageKey: string; partSizes: number[] },
  ): Promise<string> {
    // DO UPDATE, not DO NOTHING: a no-op update still locks the existing row until commit.
    const rows = await manager.query<{ storage_key: string }[]>(
      `INSERT INTO blobs (digest, size, storage_key, part_sizes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (digest) DO UPDATE SET size = blobs.size
       RETURNING storage_key`,
      [blob.digest, blob.size, blob.storageKey, blob.partSizes],
    );
    return rows[0].storage_key;
  }

  /**
   * Adds the layer to the repository; false when it had it already. The unique constraint
   * (repository, digest) decides between concurrent completions on any instance.
   */
  async insertLayer(
    manager: EntityManager,
    layer: { repositoryId: string; digest: string; size: number; mediaType: string },
  ): Promise<boolean> {
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO layers (repository_id, digest, size, media_type) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT ${LAYERS_REPOSITORY_DIGEST_KEY} DO NOTHING
       RETURNING id`,
      [layer.repositoryId, layer.digest, layer.size, layer.mediaType],
    );
    return inserted.length === 1;
  }

  /**
   * In one round trip: the repository's id and those of its layers whose digest is one of
   * `digests`; undefined when there is no such repository.
   */
  async findInRepositoryByName(
    registryId: string,
    repositoryName: string,
    digests: string[],
  ): Promise<{ repositoryId: string; layers: LayerRecord[] } | undefined> {
    // The media type is the one a manifest of the repository gives the blob (the most recently
    // pushed image's), else the layer's own (the default a layer is uploaded with). A repository
    // with none of the layers gives one row of NULLs; no row at all means no repository.
    const rows = await this.dataSource.query<
      { repository_id: string; digest: string | null; size: string; media_type: string }[]
    >(
      `SELECT r.id AS repository_id, l.digest, l.size, COALESCE(t.media_type, l.media_type) AS media_type
         FROM repositories r
         LEFT JOIN layers l ON l.repository_id = r.id AND l.digest = ANY($3)
         LEFT JOIN LATERAL (
           SELECT il.media_type FROM image_layers il JOIN images i ON i.id = il.image_id
            WHERE il.digest = l.digest AND i.repository_id = r.id AND il.media_type IS NOT NULL
            ORDER BY i.id DESC LIMIT 1) t ON true
        WHERE r.registry_id = $1 AND r.name = $2`,
      [registryId, repositoryName, digests],
    );
    if (rows.length === 0) return undefined;
    const layers = rows.flatMap((r) =>
      r.digest === null
        ? []
        : [{ digest: r.digest, size: Number(r.size), mediaType: r.media_type }],
    );
    return { repositoryId: String(rows[0].repository_id), layers };
  }

  /**
   * Adds the layer `digest` of repository `sourceId` to repository `targetId`, sharing its blob;
   * the source layer and its blob are held FOR SHARE meanwhile, so neither a deletion nor storage
   * collection takes them away. False when the source has no such layer or the target had it.
   */
  async linkFrom(
    manager: EntityManager,
    sourceId: string,
    targetId: string,
    digest: string,
  ): Promise<boolean> {
    const rows = await manager.query<{ id: string }[]>(
      `WITH source AS (
         SELECT l.digest, l.size, l.media_type
           FROM layers l JOIN blobs b ON b.digest = l.digest
          WHERE l.repository_id = $1 AND l.digest = $3
            FOR SHARE OF l, b)
       INSERT INTO layers (repository_id, digest, size, media_type)
       SELECT $2, digest, size, media_type FROM source
       ON CONFLICT ON CONSTRAINT ${LAYERS_REPOSITORY_DIGEST_KEY} DO NOTHING
       RETURNING id`,
      [sourceId, targetId, digest],
    );
    return rows.length === 1;
  }

  /**
   * Those of `digests` that are layers of the repository, held FOR KEY SHARE until the
   * transaction ends, so that garbage collection (which locks a layer FOR UPDATE SKIP LOCKED)
   * cannot delete a layer an image is being stored with; see GcRepository.lockGarbageLayers.
   */
  async existing(
    manager: EntityManager,
    repositoryId: string,
    digests: string[],
  ): Promise<string[]> {
    const rows = await manager.query<{ digest: string }[]>(
      'SELECT digest FROM layers WHERE repository_id = $1 AND digest = ANY($2) FOR KEY SHARE',
      [repositoryId, digests],
    );
    return rows.map((r) => r.digest);
  }

  async findWithBlob(repositoryId: string, digest: string): Promise<LayerBlob | undefined> {
    const rows = await this.dataSource.query<
      {
        registry_id: string;
        digest: string;
        size: string;
        storage_key: string;
        part_sizes: string[];
        driver: BlobStoreDriver;
        referenced: boolean;
        pull_due: boolean;
      }[]
    >(
      `SELECT rp.registry_id, l.digest, b.size, b.storage_key, b.part_sizes, s.driver,
              r.referenced, r.pull_due
         FROM layers l JOIN repositories rp ON rp.id = l.repository_id
         JOIN blobs b ON b.digest = l.digest JOIN storage_objects s ON s.key = b.storage_key
         CROSS JOIN LATERAL (
           SELECT count(*) > 0 AS referenced,
                  COALESCE(bool_or(i.last_pulled_at IS NULL
                                   OR i.last_pulled_at < now() - interval '1 day'), false) AS pull_due
             FROM image_layers il JOIN images i ON i.id = il.image_id
            WHERE i.repository_id = l.repository_id AND il.digest = l.digest) r
        WHERE l.repository_id = $1 AND l.digest = $2`,
      [repositoryId, digest],
    );
    const row = rows[0];
    return (
      row && {
        registryId: row.registry_id,
        digest: row.digest,
        size: Number(row.size),
        storageKey: row.storage_key,
        partSizes: row.part_sizes.map(Number),
        driver: row.driver,
        referenced: row.referenced,
        pullDue: row.pull_due,
      }
    );
  }

  /** Up to `limit` layers of the repository in the order they were added, after id `after`. */
  async page(repositoryId: string, limit: number, after?: string): Promise<ListedLayer[]> {
    const rows = await this.dataSource.query<
      { id: string; digest: string; size: string; media_type: string; created_at: Date }[]
    >(
      `SELECT id, digest, size, media_type, created_at FROM layers
        WHERE repository_id = $1 AND ($2::bigint IS NULL OR id > $2::bigint)
        ORDER BY id LIMIT $3`,
      [repositoryId, after ?? null, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      digest: r.digest,
      size: Number(r.size),
      mediaType: r.media_type,
      createdAt: r.created_at,
    }));
  }

  /**
   * LISTENs on `channel` on a connection of its own, with the pool's settings but outside it
   * (the requests keep every pooled connection), calling `onPayload` with each notification's
   * payload. Resolves once the LISTEN is in effect: every notification committed after that is
   * delivered.
   */
  async listen(channel: string, onPayload: (payload: string) => void): Promise<Subscription> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client = new Client(pool.options);
    let settle!: (err: Error | undefined) => void;
    const closed = new Promise<Error | undefined>((resolve) => (settle = resolve));
    let open = true;
    const finish = (err?: Error): void => {
      if (!open) return;
      open = false;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      settle(err);
    };
    client.on('notification', (n: Notification) => {
      if (n.channel === channel) onPayload(n.payload ?? '');
    });
    client.on('error', (err: Error) => finish(err));
    client.on('end', () => finish(new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    return { closed, close: () => finish() };
  }
}
