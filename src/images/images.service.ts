import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EcrCallContext, EcrResult } from '../common/ecr-call-context';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { formatSha256Digest, parseDigest } from '../crypto/digest';
import { EcrOperation } from '../ecr/ecr-operation.decorator';
import { LayersNotFoundException } from '../layers/layers.errors';
import { RepositoryEntity } from '../repositories/entities/repository.entity';
import { RepositoriesService } from '../repositories/repositories.service';
import { LAYER_DIGEST_PATTERN } from '../uploads/dto/upload-requests';
import {
  BatchDeleteImageRequest,
  BatchGetImageRequest,
  DescribeImagesRequest,
  IMAGE_TAG_PATTERN,
  ImageIdentifierInput,
  ListImagesRequest,
  PutImageRequest,
} from './dto/image-requests';
import {
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  ReferencedImagesNotFoundException,
} from './images.errors';
import { parseManifest } from './manifest';

const DEFAULT_PAGE_SIZE = 100;
const TAG = new RegExp(`^(?:${IMAGE_TAG_PATTERN})$`);

interface ImageRow {
  id: string;
  digest: string;
  manifest: Buffer;
  media_type: string;
  artifact_media_type: string | null;
  size: string;
  pushed_at: Date;
}

interface ImageFailure {
  imageId: ImageIdentifierInput;
  failureCode: string;
  failureReason: string;
}

type Resolution = { image: ImageRow; tag?: string } | { failure: ImageFailure };

const failure = (
  imageId: ImageIdentifierInput,
  code: string,
  reason: string,
): { failure: ImageFailure } => ({
  failure: { imageId, failureCode: code, failureReason: reason },
});

/** Owns images: manifests, their tags, and what they reference. */
@Injectable()
export class ImagesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoriesService,
  ) {}

  // A 4 MiB manifest, even JSON-escaped or in multi-byte UTF-8, with room to spare.
  @EcrOperation('PutImage', PutImageRequest, { maxBodyBytes: 4 * 4 * 1024 * 1024 + 65536 })
  async put(input: PutImageRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const manifest = parseManifest(input.imageManifest, input.imageManifestMediaType);
    // The digest of the bytes exactly as sent: clients verify pulls against it.
    const bytes = Buffer.from(input.imageManifest, 'utf8');
    const digest = formatSha256Digest(createHash('sha256').update(bytes).digest());
    if (input.imageDigest !== undefined && parseDigest(input.imageDigest)?.digest !== digest) {
      throw new ImageDigestDoesNotMatchException(
        `The provided image digest '${input.imageDigest}' does not match the digest '${digest}' calculated for the manifest`,
      );
    }
    const tag = input.imageTag;
    await this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(ctx.registryId, input.repositoryName, m, true);
      await this.checkReferences(m, repo, ctx.registryId, manifest.blobs, manifest.children);

      // One statement inserts the image or locks the existing one until this transaction ends
      // (ON CONFLICT DO UPDATE locks the conflicting row even when its WHERE updates nothing), so
      // a concurrent BatchDeleteImage waits for this one; should a delete commit first, PostgreSQL
      // retries the insert itself. No tag written below can name a missing image.
      const inserted = await m.query<{ id: string }[]>(
        `INSERT INTO images (repository_id, digest, manifest, media_type, artifact_media_type, size)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT images_repository_digest_key
           DO UPDATE SET size = images.size WHERE false
         RETURNING id`,
        [
          repo.id,
          digest,
          bytes,
          manifest.mediaType,
          manifest.artifactMediaType ?? null,
          manifest.size,
        ],
      );
      const created = inserted.length === 1;
      const imageId = created
        ? inserted[0].id
        : // Present: this transaction holds its row lock.
          (
            await m.query<{ id: string }[]>(
              'SELECT id FROM images WHERE repository_id = $1 AND digest = $2',
              [repo.id, digest],
            )
          )[0].id;
      if (created) {
        // One statement each, however many blobs or manifests the image references.
        await m.query(
          'INSERT INTO image_layers (image_id, digest) SELECT $1::bigint, unnest($2::varchar[])',
          [imageId, manifest.blobs],
        );
        await m.query(
          'INSERT INTO image_children (image_id, child_digest) SELECT $1::bigint, unnest($2::varchar[])',
          [imageId, manifest.children],
        );
      }

      const alreadyExists = (): ImageAlreadyExistsException =>
        new ImageAlreadyExistsException(
          `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ''} already exists in the repository with name '${repo.name}' in registry with id '${ctx.registryId}'`,
        );
      if (!tag) {
        if (!created) throw alreadyExists();
        return;
      }
      // The (repository, tag) primary key keeps one row per tag. One statement creates the tag,
      // or moves it (MUTABLE, another image), or else leaves it as it is, in every case holding
      // its row lock, which orders concurrent writers of the tag.
      const written = await m.query<unknown[]>(
        `INSERT INTO image_tags (repository_id, tag, image_id) VALUES ($1, $2, $3)
         ON CONFLICT (repository_id, tag) DO UPDATE
           SET image_id = EXCLUDED.image_id, tagged_at = now()
           WHERE image_tags.image_id <> EXCLUDED.image_id AND $4::boolean
         RETURNING 1`,
        [repo.id, tag, imageId, repo.imageTagMutability !== 'IMMUTABLE'],
      );
      if (written.length === 1) return;
      // Left as it was, and locked: it names this image already, or another in an IMMUTABLE one.
      const [{ image_id: pointsAt }] = await m.query<{ image_id: string }[]>(
        'SELECT image_id FROM image_tags WHERE repository_id = $1 AND tag = $2',
        [repo.id, tag],
      );
      if (pointsAt === imageId) {
        if (!created) throw alreadyExists();
        return;
      }
      throw new ImageTagAlreadyExistsException(
        `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`,
      );
    });
    return {
      image: {
        registryId: ctx.registryId,
        repositoryName: input.repositoryName,
        imageId: { imageDigest: digest, ...(tag ? { imageTag: tag } : {}) },
        imageManifest: input.imageManifest,
        imageManifestMediaType: manifest.mediaType,
      },
    };
  }

  private async checkReferences(
    m: EntityManager,
    repo: RepositoryEntity,
    registryId: string,
    blobs: string[],
    children: string[],
  ): Promise<void> {
    if (blobs.length > 0) {
      const found = await m.query<{ digest: string }[]>(
        'SELECT digest FROM layers WHERE repository_id = $1 AND digest = ANY($2)',
        [repo.id, blobs],
      );
      const have = new Set(found.map((r) => r.digest));
      const missing = blobs.filter((d) => !have.has(d));
      if (missing.length > 0) {
        throw new LayersNotFoundException(
          `Layers with digests '[${missing.join(', ')}]' required for pushing image into repository with name '${repo.name}' in the registry with id '${registryId}' do not exist`,
        );
      }
    }
    if (children.length > 0) {
      // Held (FOR KEY SHARE) until the index is committed, so that a concurrent BatchDeleteImage
      // of a child waits and then sees the index reference it; a child it deleted first is
      // missing here.
      const found = await m.query<{ digest: string }[]>(
        'SELECT digest FROM images WHERE repository_id = $1 AND digest = ANY($2) FOR KEY SHARE',
        [repo.id, children],
      );
      const have = new Set(found.map((r) => r.digest));
      const missing = children.filter((d) => !have.has(d));
      if (missing.length > 0) {
        throw new ReferencedImagesNotFoundException(
          `Manifests with digests '[${missing.join(', ')}]' referenced by the image index do not exist in the repository with name '${repo.name}' in the registry with id '${registryId}'`,
        );
      }
    }
  }

  /** Finds one image id's image, or the ECR failure for it. */
  private async resolve(
    m: EntityManager,
    repoId: string,
    id: ImageIdentifierInput,
  ): Promise<Resolution> {
    const { imageDigest, imageTag } = id;
    if (imageDigest === undefined && imageTag === undefined) {
      return failure(
        id,
        'MissingDigestAndTag',
        'Invalid request parameters: both tag and digest cannot be null',
      );
    }
    const digest = imageDigest === undefined ? undefined : parseDigest(imageDigest)?.digest;
    if (imageDigest !== undefined && !digest) {
      return failure(
        id,
        'InvalidImageDigest',
        `Invalid request parameters: image digest should satisfy the regex '${LAYER_DIGEST_PATTERN}'`,
      );
    }
    if (
      imageTag !== undefined &&
      (imageTag.length < 1 || imageTag.length > 300 || !TAG.test(imageTag))
    ) {
      return failure(
        id,
        'InvalidImageTag',
        `Invalid request parameters: image tag should satisfy the regex '${IMAGE_TAG_PATTERN}'`,
      );
    }
    const columns =
      'i.id, i.digest, i.manifest, i.media_type, i.artifact_media_type, i.size, i.pushed_at';
    const rows =
      imageTag !== undefined
        ? await m.query<ImageRow[]>(
            `SELECT ${columns} FROM image_tags t JOIN images i ON i.id = t.image_id
              WHERE t.repository_id = $1 AND t.tag = $2`,
            [repoId, imageTag],
          )
        : await m.query<ImageRow[]>(
            `SELECT ${columns} FROM images i WHERE i.repository_id = $1 AND i.digest = $2`,
            [repoId, digest],
          );
    const image = rows[0];
    if (!image) return failure(id, 'ImageNotFound', 'Requested image not found');
    if (digest !== undefined && image.digest !== digest) {
      return failure(
        id,
        'ImageTagDoesNotMatchDigest',
        'Invalid request parameters: given tag does not map to the given digest',
      );
    }
    return { image, tag: imageTag };
  }

  @EcrOperation('BatchGetImage', BatchGetImageRequest)
  async batchGet(input: BatchGetImageRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const repo = await this.repositories.require(ctx.registryId, input.repositoryName);
    const images: EcrResult[] = [];
    const failures: ImageFailure[] = [];
    const seen = new Set<string>();
    for (const id of input.imageIds) {
      const resolved = await this.resolve(this.dataSource.manager, repo.id, id);
      if ('failure' in resolved) {
        failures.push(resolved.failure);
        continue;
      }
      const { image, tag } = resolved;
      if (input.acceptedMediaTypes && !input.acceptedMediaTypes.includes(image.media_type)) {
        failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: `The image's manifest media type ${image.media_type} is not among the accepted media types`,
        });
        continue;
      }
      const key = `${image.digest}\n${tag ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      images.push({
        registryId: ctx.registryId,
        repositoryName: repo.name,
        imageId: { imageDigest: image.digest, ...(tag !== undefined ? { imageTag: tag } : {}) },
        imageManifest: image.manifest.toString('utf8'),
        imageManifestMediaType: image.media_type,
      });
    }
    return { images, failures };
  }

  @EcrOperation('DescribeImages', DescribeImagesRequest)
  async describe(input: DescribeImagesRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const repo = await this.repositories.require(ctx.registryId, input.repositoryName);
    const tagStatus = input.filter?.tagStatus ?? 'ANY';
    const detail = (row: ImageRow & { tags: string[] }): EcrResult => ({
      registryId: ctx.registryId,
      repositoryName: repo.name,
      imageDigest: row.digest,
      ...(row.tags.length > 0 ? { imageTags: row.tags } : {}),
      imageSizeInBytes: Number(row.size),
      imagePushedAt: row.pushed_at,
      imageManifestMediaType: row.media_type,
      ...(row.artifact_media_type ? { artifactMediaType: row.artifact_media_type } : {}),
      imageStatus: 'ACTIVE',
    });
    const select = `SELECT i.id, i.digest, i.media_type, i.artifact_media_type, i.size, i.pushed_at,
        COALESCE(array_agg(t.tag ORDER BY t.tag) FILTER (WHERE t.tag IS NOT NULL), '{}') AS tags
        FROM images i LEFT JOIN image_tags t ON t.image_id = i.id`;

    if (input.imageIds) {
      const details: EcrResult[] = [];
      for (const id of input.imageIds) {
        const resolved = await this.resolve(this.dataSource.manager, repo.id, id);
        if ('failure' in resolved) {
          if (resolved.failure.failureCode === 'ImageNotFound') {
            throw new ImageNotFoundException(
              `The image with imageId {${id.imageDigest ? `imageDigest:'${id.imageDigest}'` : ''}${id.imageDigest && id.imageTag ? ', ' : ''}${id.imageTag ? `imageTag:'${id.imageTag}'` : ''}} does not exist within the repository with name '${repo.name}' in the registry with id '${ctx.registryId}'`,
            );
          }
          throw new InvalidParameterException(resolved.failure.failureReason);
        }
        const rows = await this.dataSource.query<(ImageRow & { tags: string[] })[]>(
          `${select} WHERE i.id = $1 GROUP BY i.id`,
          [resolved.image.id],
        );
        if (!details.some((d) => d.imageDigest === rows[0].digest)) details.push(detail(rows[0]));
      }
      return { imageDetails: details };
    }

    const limit = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const after = input.nextToken ? decodePageToken(input.nextToken, { id: 'id' }).id : 0;
    const having =
      tagStatus === 'TAGGED'
        ? 'HAVING count(t.tag) > 0'
        : tagStatus === 'UNTAGGED'
          ? 'HAVING count(t.tag) = 0'
          : '';
    const rows = await this.dataSource.query<(ImageRow & { tags: string[] })[]>(
      `${select} WHERE i.repository_id = $1 AND i.id > $2 GROUP BY i.id ${having} ORDER BY i.id LIMIT $3`,
      [repo.id, after, limit + 1],
    );
    const page = rows.slice(0, limit);
    const result: EcrResult = { imageDetails: page.map(detail) };
    if (rows.length > limit)
      result.nextToken = encodePageToken({ id: Number(page[page.length - 1].id) });
    return result;
  }

  @EcrOperation('ListImages', ListImagesRequest)
  async list(input: ListImagesRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const repo = await this.repositories.require(ctx.registryId, input.repositoryName);
    const tagStatus = input.filter?.tagStatus ?? 'ANY';
    const limit = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const position = input.nextToken
      ? decodePageToken(input.nextToken, { id: 'id', tag: 'string' })
      : { id: 0, tag: '' };
    const filter =
      tagStatus === 'TAGGED'
        ? 'AND t.tag IS NOT NULL'
        : tagStatus === 'UNTAGGED'
          ? 'AND t.tag IS NULL'
          : '';
    // One entry per tag, and one for an untagged image; ordered by (image, tag) for the keyset.
    const rows = await this.dataSource.query<{ id: string; digest: string; tag: string | null }[]>(
      `SELECT i.id, i.digest, t.tag FROM images i LEFT JOIN image_tags t ON t.image_id = i.id
        WHERE i.repository_id = $1 ${filter}
          AND (i.id, COALESCE(t.tag, '')) > ($2::bigint, $3::text)
        ORDER BY i.id, COALESCE(t.tag, '') LIMIT $4`,
      [repo.id, position.id, String(position.tag), limit + 1],
    );
    const page = rows.slice(0, limit);
    const result: EcrResult = {
      imageIds: page.map((r) => ({
        imageDigest: r.digest,
        ...(r.tag !== null ? { imageTag: r.tag } : {}),
      })),
    };
    if (rows.length > limit) {
      const last = page[page.length - 1];
      result.nextToken = encodePageToken({ id: Number(last.id), tag: last.tag ?? '' });
    }
    return result;
  }

  @EcrOperation('BatchDeleteImage', BatchDeleteImageRequest)
  async batchDelete(input: BatchDeleteImageRequest, ctx: EcrCallContext): Promise<EcrResult> {
    return this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(ctx.registryId, input.repositoryName, m, true);
      const deleted: ImageIdentifierInput[] = [];
      const failures: ImageFailure[] = [];
      for (const id of input.imageIds) {
        const resolved = await this.resolve(m, repo.id, id);
        if ('failure' in resolved) {
          failures.push(resolved.failure);
          continue;
        }
        const { image } = resolved;
        // Lock the image so that concurrent deletes and tag moves apply one at a time.
        const locked = await m.query<{ id: string }[]>(
          'SELECT id FROM images WHERE id = $1 FOR UPDATE',
          [image.id],
        );
        if (locked.length === 0) {
          failures.push({
            imageId: id,
            failureCode: 'ImageNotFound',
            failureReason: 'Requested image not found',
          });
          continue;
        }
        if (id.imageTag !== undefined && id.imageDigest === undefined) {
          // Only while the tag still names the image resolved and locked above: a PutImage may
          // have moved it since, and then it is no longer this image's tag to remove.
          const [untagged] = await m.query<[unknown[], number]>(
            'DELETE FROM image_tags WHERE repository_id = $1 AND tag = $2 AND image_id = $3 RETURNING 1',
            [repo.id, id.imageTag, image.id],
          );
          if (untagged.length === 0) {
            failures.push({
              imageId: id,
              failureCode: 'ImageNotFound',
              failureReason: 'Requested image not found',
            });
            continue;
          }
          deleted.push({ imageDigest: image.digest, imageTag: id.imageTag });
          // As in ECR: removing an image's last tag deletes the image.
          const left = await m.query<{ n: string }[]>(
            'SELECT count(*) AS n FROM image_tags WHERE image_id = $1',
            [image.id],
          );
          if (
            Number(left[0].n) === 0 &&
            !(await this.referencedByIndex(m, repo.id, image.digest))
          ) {
            await m.query('DELETE FROM images WHERE id = $1', [image.id]);
          }
          continue;
        }
        if (await this.referencedByIndex(m, repo.id, image.digest)) {
          failures.push({
            imageId: id,
            failureCode: 'ImageReferencedByManifestList',
            failureReason: 'Requested image is referenced by an image index in the repository',
          });
          continue;
        }
        // DELETE ... RETURNING answers [rows, count] through TypeORM.
        const [removedTags] = await m.query<[{ tag: string }[], number]>(
          'DELETE FROM image_tags WHERE image_id = $1 RETURNING tag',
          [image.id],
        );
        await m.query('DELETE FROM images WHERE id = $1', [image.id]);
        if (removedTags.length === 0) deleted.push({ imageDigest: image.digest });
        for (const { tag } of removedTags)
          deleted.push({ imageDigest: image.digest, imageTag: tag });
      }
      return { imageIds: deleted, failures };
    });
  }

  private async referencedByIndex(
    m: EntityManager,
    repoId: string,
    digest: string,
  ): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM image_children c JOIN images i ON i.id = c.image_id
        WHERE i.repository_id = $1 AND c.child_digest = $2 LIMIT 1`,
      [repoId, digest],
    );
    return rows.length > 0;
  }
}
