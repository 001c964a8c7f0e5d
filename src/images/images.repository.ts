import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { IMAGES_REPOSITORY_DIGEST_KEY } from '../database/constraints';
import type { ReferencedBlob } from './manifest';

/*
 * Records as this class answers them: camelCase, sizes as numbers. Image ids are `bigint`
 * (bigserial) columns, which PostgreSQL hands over as strings: they stay strings, opaque handles
 * passed back to SQL, so that no id is ever rounded.
 */

export interface ImageRecord {
  id: string;
  digest: string;
  manifest: Buffer;
  mediaType: string;
  artifactMediaType: string | null;
  size: number;
  pushedAt: Date;
  lastPulledAt: Date | null;
}

export type ImageDetailRecord = Omit<ImageRecord, 'manifest'> & { tags: string[] };

/** A manifest whose `subject` is the image asked about. */
export type ReferrerRecord = Pick<
  ImageRecord,
  'id' | 'digest' | 'mediaType' | 'artifactMediaType' | 'manifest'
>;

/** One entry of a ListImages page: an image with one of its tags, or none. */
export interface ImageTagRecord {
  id: string;
  digest: string;
  tag: string | null;
}

/** An image as operators list them. */
export type ImageListingRecord = Pick<
  ImageRecord,
  'id' | 'digest' | 'mediaType' | 'size' | 'pushedAt'
> & { tags: string[] };

export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** An `images` row as PostgreSQL returns it (`bigint` as a string). */
interface ImageRow {
  id: string;
  digest: string;
  manifest: Buffer;
  media_type: string;
  artifact_media_type: string | null;
  size: string;
  pushed_at: Date;
  last_pulled_at: Date | null;
}

type ImageDetailRow = Omit<ImageRow, 'manifest'> & { tags: string[] };

type ReferrerRow = Pick<
  ImageRow,
  'id' | 'digest' | 'media_type' | 'artifact_media_type' | 'manifest'
>;

type ImageListingRow = Pick<ImageRow, 'id' | 'digest' | 'media_type' | 'size' | 'pushed_at'> & {
  tags: string[];
};

const toImage = (r: ImageRow): ImageRecord => ({
  id: r.id,
  digest: r.digest,
  manifest: r.manifest,
  mediaType: r.media_type,
  artifactMediaType: r.artifact_media_type,
  size: Number(r.size),
  pushedAt: r.pushed_at,
  lastPulledAt: r.last_pulled_at,
});

const toImageDetail = (r: ImageDetailRow): ImageDetailRecord => ({
  id: r.id,
  digest: r.digest,
  mediaType: r.media_type,
  artifactMediaType: r.artifact_media_type,
  size: Number(r.size),
  pushedAt: r.pushed_at,
  lastPulledAt: r.last_pulled_at,
  tags: r.tags,
});

const toReferrer = (r: ReferrerRow): ReferrerRecord => ({
  id: r.id,
  digest: r.digest,
  mediaType: r.media_type,
  artifactMediaType: r.artifact_media_type,
  manifest: r.manifest,
});

const toImageListing = (r: ImageListingRow): ImageListingRecord => ({
  id: r.id,
  digest: r.digest,
  mediaType: r.media_type,
  size: Number(r.size),
  pushedAt: r.pushed_at,
  tags: r.tags,
});

const IMAGE_COLUMNS =
  'i.id, i.digest, i.manifest, i.media_type, i.artifact_media_type, i.size, i.pushed_at, i.last_pulled_at';

/**
 * The pulling principal (the parameter `param`, null for none) is not among the pull time update
 * exclusions of the registry of image `i`.
 */
const NOT_EXCLUDED = (param: string): string =>
  `NOT EXISTS (SELECT 1 FROM pull_time_update_exclusions x
                 JOIN repositories r ON r.registry_id = x.registry_id
                WHERE r.id = i.repository_id AND x.principal_arn = ${param}::text)`;

/** How stale a recorded pull may get: ECR refreshes `lastRecordedPullTime` once a day. */
const PULL_RECORD_INTERVAL = "interval '1 day'";

const DETAIL_SELECT = `SELECT i.id, i.digest, i.media_type, i.artifact_media_type, i.size, i.pushed_at,
    i.last_pulled_at,
    COALESCE(array_agg(t.tag ORDER BY t.tag) FILTER (WHERE t.tag IS NOT NULL), '{}') AS tags
    FROM images i LEFT JOIN image_tags t ON t.image_id = i.id`;

/**
 * The SQL of the images module. Lock order within a transaction: the repository row first (the
 * caller holds it, see `RepositoryLock`), then image rows, then tags, child manifests last.
 */
@Injectable()
export class ImagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Inserts the image, or locks the existing one of that digest until the transaction ends
   * (ON CONFLICT DO UPDATE locks the conflicting row even when its WHERE updates nothing), so a
   * concurrent BatchDeleteImage waits for this one; should a delete commit first, PostgreSQL
   * retries the insert itself. No tag written after this can name a missing image.
   */
  async insertOrLock(
    m: EntityManager,
    image: {
      repositoryId: string;
      digest: string;
      manifest: Buffer;
      mediaType: string;
      artifactMediaType?: string;
      size: number;
      subject?: string;
    },
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await m.query<{ id: string }[]>(
      `INSERT INTO images (repository_id, digest, manifest, media_type, artifact_media_type, size,
                           subject_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ON CONSTRAINT ${IMAGES_REPOSITORY_DIGEST_KEY}
         DO UPDATE SET size = images.size WHERE false
       RETURNING id`,
      [
        image.repositoryId,
        image.digest,
        image.manifest,
        image.mediaType,
        image.artifactMediaType ?? null,
        image.size,
        image.subject ?? null,
      ],
    );
    if (inserted.length === 1) return { id: inserted[0].id, created: true };
    // Present: this transaction holds its row lock.
    const [existing] = await m.query<{ id: string }[]>(
      'SELECT id FROM images WHERE repository_id = $1 AND digest = $2',
      [image.repositoryId, image.digest],
    );
    return { id: existing.id, created: false };
  }

  /** What a new image references: one statement each, however many blobs or manifests. */
  async insertReferences(
    m: EntityManager,
    imageId: string,
    blobs: ReferencedBlob[],
    children: string[],
  ): Promise<void> {
    await m.query(
      `INSERT INTO image_layers (image_id, digest, media_type)
       SELECT $1::bigint, unnest($2::varchar[]), unnest($3::varchar[])`,
      [imageId, blobs.map((b) => b.digest), blobs.map((b) => b.mediaType ?? null)],
    );
    await m.query(
      'INSERT INTO image_children (image_id, child_digest) SELECT $1::bigint, unnest($2::varchar[])',
      [imageId, children],
    );
  }

  /**
   * Creates the tag, or moves it to `imageId` when `mutable`, or else leaves it as it is; in
   * every case holding its row lock, which orders concurrent writers of the tag. The (repository,
   * tag) primary key keeps one row per tag. True when written.
   */
  async writeTag(
    m: EntityManager,
    repositoryId: string,
    tag: string,
    imageId: string,
    mutable: boolean,
  ): Promise<boolean> {
    const written = await m.query<unknown[]>(
      `INSERT INTO image_tags (repository_id, tag, image_id) VALUES ($1, $2, $3)
       ON CONFLICT (repository_id, tag) DO UPDATE
         SET image_id = EXCLUDED.image_id, tagged_at = now()
         WHERE image_tags.image_id <> EXCLUDED.image_id AND $4::boolean
       RETURNING 1`,
      [repositoryId, tag, imageId, mutable],
    );
    return written.length === 1;
  }

  /** The image a tag names (the caller holds the tag's row lock). */
  async tagTarget(m: EntityManager, repositoryId: string, tag: string): Promise<string> {
    const [{ image_id }] = await m.query<{ image_id: string }[]>(
      'SELECT image_id FROM image_tags WHERE repository_id = $1 AND tag = $2',
      [repositoryId, tag],
    );
    return image_id;
  }

  /**
   * Those of `digests` that are images of the repository, with their sizes, held FOR KEY SHARE
   * until the transaction ends: a concurrent BatchDeleteImage of one waits, then sees the index
   * that references it.
   */
  async holdExisting(
    m: EntityManager,
    repositoryId: string,
    digests: string[],
  ): Promise<{ digest: string; size: number }[]> {
    const rows = await m.query<{ digest: string; size: string }[]>(
      'SELECT digest, size FROM images WHERE repository_id = $1 AND digest = ANY($2) FOR KEY SHARE',
      [repositoryId, digests],
    );
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
  }

  /** The images of the repository whose `subject` is `digest`, optionally of one artifact type. */
  async referrers(
    repositoryId: string,
    digest: string,
    artifactTypes?: string[],
    page?: { afterId: string; limit: number },
  ): Promise<ReferrerRecord[]> {
    const rows = await this.dataSource.query<ReferrerRow[]>(
      `SELECT id, digest, media_type, artifact_media_type, manifest FROM images
        WHERE repository_id = $1 AND subject_digest = $2
          AND ($3::text[] IS NULL OR artifact_media_type = ANY($3::text[]))
          AND id > $4::bigint
        ORDER BY id LIMIT $5`,
      [repositoryId, digest, artifactTypes ?? null, page?.afterId ?? '0', page?.limit ?? null],
    );
    return rows.map(toReferrer);
  }

  /** Up to `limit` tags of the repository in byte order (as Go's sort.Strings), after `after`. */
  async tagNames(repositoryId: string, limit: number, after?: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ tag: string }[]>(
      `SELECT tag FROM image_tags
        WHERE repository_id = $1 AND ($2::text IS NULL OR tag COLLATE "C" > $2::text)
        ORDER BY tag COLLATE "C" LIMIT $3`,
      [repositoryId, after ?? null, limit],
    );
    return rows.map((r) => r.tag);
  }

  async findByTag(
    m: EntityManager,
    repositoryId: string,
    tag: string,
  ): Promise<ImageRecord | undefined> {
    const rows = await m.query<ImageRow[]>(
      `SELECT ${IMAGE_COLUMNS} FROM image_tags t JOIN images i ON i.id = t.image_id
        WHERE t.repository_id = $1 AND t.tag = $2`,
      [repositoryId, tag],
    );
    return rows[0] && toImage(rows[0]);
  }

  /** The digest of the repository's image whose manifest bytes have this SHA-512 (hex). */
  async digestBySha512(repositoryId: string, sha512Hex: string): Promise<string | undefined> {
    // Matches the expression of images_manifest_sha512_idx, so the index answers it.
    const rows = await this.dataSource.query<{ digest: string }[]>(
      `SELECT digest FROM images WHERE repository_id = $1 AND sha512(manifest) = decode($2, 'hex')`,
      [repositoryId, sha512Hex],
    );
    return rows[0]?.digest;
  }

  /**
   * The digests of the repository's images whose manifest bytes have these SHA-512s (hex), by
   * SHA-512; those it has not are absent.
   */
  async digestsBySha512(
    m: EntityManager,
    repositoryId: string,
    sha512Hexes: string[],
  ): Promise<Map<string, string>> {
    // The array of bytea is built in SQL, so that images_manifest_sha512_idx answers it.
    const rows = await m.query<{ sha512: string; digest: string }[]>(
      `SELECT encode(sha512(manifest), 'hex') AS sha512, digest FROM images
        WHERE repository_id = $1
          AND sha512(manifest) = ANY(ARRAY(SELECT decode(h, 'hex') FROM unnest($2::text[]) h))`,
      [repositoryId, sha512Hexes],
    );
    return new Map(rows.map((r) => [r.sha512, r.digest]));
  }

  async findByDigest(
    m: EntityManager,
    repositoryId: string,
    digest: string,
  ): Promise<ImageRecord | undefined> {
    const rows = await m.query<ImageRow[]>(
      `SELECT ${IMAGE_COLUMNS} FROM images i WHERE i.repository_id = $1 AND i.digest = $2`,
      [repositoryId, digest],
    );
    return rows[0] && toImage(rows[0]);
  }

  /**
   * Records a pull of the images now, for those whose recorded pull is a day old or more. The
   * condition makes concurrent pulls on several instances write once; callers skip the
   * statement altogether when the row they read says the record is fresh. A pull by a principal
   * the image's registry excludes from pull time updates records nothing.
   */
  async recordPulls(imageIds: string[], puller?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE images i SET last_pulled_at = now()
        WHERE i.id = ANY($1::bigint[])
          AND (i.last_pulled_at IS NULL OR i.last_pulled_at < now() - ${PULL_RECORD_INTERVAL})
          AND ${NOT_EXCLUDED('$2')}`,
      [imageIds, puller ?? null],
    );
  }

  /** Records a pull of every image of the repository that references the blob (as above). */
  async recordBlobPull(repositoryId: string, digest: string, puller?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE images i SET last_pulled_at = now()
         FROM image_layers il
        WHERE il.image_id = i.id AND il.digest = $2 AND i.repository_id = $1
          AND (i.last_pulled_at IS NULL OR i.last_pulled_at < now() - ${PULL_RECORD_INTERVAL})
          AND ${NOT_EXCLUDED('$3')}`,
      [repositoryId, digest, puller ?? null],
    );
  }

  async detail(imageId: string): Promise<ImageDetailRecord> {
    const rows = await this.dataSource.query<ImageDetailRow[]>(
      `${DETAIL_SELECT} WHERE i.id = $1 GROUP BY i.id`,
      [imageId],
    );
    return toImageDetail(rows[0]);
  }

  /** Up to `limit` images of the repository by id after `after`, with their tags. */
  async pageDetails(
    repositoryId: string,
    tagStatus: TagStatus,
    limit: number,
    after: string,
  ): Promise<ImageDetailRecord[]> {
    const having =
      tagStatus === 'TAGGED'
        ? 'HAVING count(t.tag) > 0'
        : tagStatus === 'UNTAGGED'
          ? 'HAVING count(t.tag) = 0'
          : '';
    const rows = await this.dataSource.query<ImageDetailRow[]>(
      `${DETAIL_SELECT} WHERE i.repository_id = $1 AND i.id > $2::bigint GROUP BY i.id ${having} ORDER BY i.id LIMIT $3`,
      [repositoryId, after, limit],
    );
    return rows.map(toImageDetail);
  }

  /**
   * One entry per tag, and one for an untagged image, ordered by (image, tag) for the keyset;
   * up to `limit` after the position `after`.
   */
  async pageIds(
    repositoryId: string,
    tagStatus: TagStatus,
    limit: number,
    after: { id: string; tag: string },
  ): Promise<ImageTagRecord[]> {
    const filter =
      tagStatus === 'TAGGED'
        ? 'AND t.tag IS NOT NULL'
        : tagStatus === 'UNTAGGED'
          ? 'AND t.tag IS NULL'
          : '';
    return this.dataSource.query<ImageTagRecord[]>(
      `SELECT i.id, i.digest, t.tag FROM images i LEFT JOIN image_tags t ON t.image_id = i.id
        WHERE i.repository_id = $1 ${filter}
          AND (i.id, COALESCE(t.tag, '')) > ($2::bigint, $3::text)
        ORDER BY i.id, COALESCE(t.tag, '') LIMIT $4`,
      [repositoryId, after.id, after.tag, limit],
    );
  }

  /** Locks the image so that concurrent deletes and tag moves apply one at a time. */
  async lock(m: EntityManager, imageId: string): Promise<boolean> {
    const rows = await m.query<unknown[]>('SELECT id FROM images WHERE id = $1 FOR UPDATE', [
      imageId,
    ]);
    return rows.length === 1;
  }

  /** Locks the images `FOR UPDATE` in id order (the order of every multi-image lock). */
  async lockInIdOrder(m: EntityManager, imageIds: readonly string[]): Promise<void> {
    if (imageIds.length === 0) return;
    await m.query('SELECT id FROM images WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [
      [...new Set(imageIds)],
    ]);
  }

  /** Removes the tag only while it still names `imageId`; true when it did. */
  async untag(
    m: EntityManager,
    repositoryId: string,
    tag: string,
    imageId: string,
  ): Promise<boolean> {
    const [removed] = await m.query<[unknown[], number]>(
      'DELETE FROM image_tags WHERE repository_id = $1 AND tag = $2 AND image_id = $3 RETURNING 1',
      [repositoryId, tag, imageId],
    );
    return removed.length === 1;
  }

  async tagCount(m: EntityManager, imageId: string): Promise<number> {
    const [{ n }] = await m.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM image_tags WHERE image_id = $1',
      [imageId],
    );
    return Number(n);
  }

  /** Removes every tag of the image; answers them. */
  async removeTags(m: EntityManager, imageId: string): Promise<string[]> {
    // DELETE ... RETURNING answers [rows, count] through TypeORM.
    const [removed] = await m.query<[{ tag: string }[], number]>(
      'DELETE FROM image_tags WHERE image_id = $1 RETURNING tag',
      [imageId],
    );
    return removed.map((r) => r.tag);
  }

  async delete(m: EntityManager, imageId: string): Promise<void> {
    await m.query('DELETE FROM images WHERE id = $1', [imageId]);
  }

  async referencedByIndex(
    m: EntityManager,
    repositoryId: string,
    digest: string,
  ): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM image_children c JOIN images i ON i.id = c.image_id
        WHERE i.repository_id = $1 AND c.child_digest = $2 LIMIT 1`,
      [repositoryId, digest],
    );
    return rows.length > 0;
  }

  /** The digests of the repository's indexes that reference `digest`, oldest first. */
  async indexesReferencing(
    m: EntityManager,
    repositoryId: string,
    digest: string,
  ): Promise<string[]> {
    const rows = await m.query<{ digest: string }[]>(
      `SELECT i.digest FROM image_children c JOIN images i ON i.id = c.image_id
        WHERE i.repository_id = $1 AND c.child_digest = $2 ORDER BY i.id`,
      [repositoryId, digest],
    );
    return rows.map((r) => r.digest);
  }

  /** Up to `limit` images of the repository by id after `after`, with their tags (for operators). */
  async page(repositoryId: string, limit: number, after?: string): Promise<ImageListingRecord[]> {
    const rows = await this.dataSource.query<ImageListingRow[]>(
      `SELECT i.id, i.digest, i.media_type, i.size, i.pushed_at,
              array(SELECT t.tag FROM image_tags t WHERE t.image_id = i.id ORDER BY t.tag) AS tags
         FROM images i
        WHERE i.repository_id = $1 AND ($2::bigint IS NULL OR i.id > $2::bigint)
        ORDER BY i.id LIMIT $3`,
      [repositoryId, after ?? null, limit],
    );
    return rows.map(toImageListing);
  }
}
