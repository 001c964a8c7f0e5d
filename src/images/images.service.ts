import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { IMAGE_TAG_PATTERN, LAYER_DIGEST_PATTERN } from '../common/patterns';
import { formatSha256Digest, parseDigest } from '../crypto/digest';
import { LayersNotFoundException } from '../layers/layers.errors';
import { LayersService } from '../layers/layers.service';
import { RepositoryEntity } from '../repositories/entities/repository.entity';
import { RepositoriesService } from '../repositories/repositories.service';
import { isTagMutable } from '../repositories/tag-mutability';
import {
  ImageDigestDoesNotMatchException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  ReferencedImagesNotFoundException,
} from './images.errors';
import { ImageDetailRecord, ImageRecord, ImagesRepository, TagStatus } from './images.repository';
import { parseManifest, ReferencedBlob } from './manifest';
import { negotiateManifest } from './manifest-conversion';

export type { TagStatus } from './images.repository';

const TAG = new RegExp(`^(?:${IMAGE_TAG_PATTERN})$`);

/** An image as a caller names it: by digest, by tag, or both. */
export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

/** Why one image id of a batch was not served, in ECR's failure codes. */
export interface ImageFailure {
  imageId: ImageId;
  failureCode:
    | 'MissingDigestAndTag'
    | 'InvalidImageDigest'
    | 'InvalidImageTag'
    | 'ImageNotFound'
    | 'ImageTagDoesNotMatchDigest'
    | 'ImageReferencedByManifestList';
  failureReason: string;
}

export interface NewImage {
  registryId: string;
  repositoryName: string;
  /** The manifest exactly as sent: its digest is of these bytes. */
  manifest: string;
  mediaType?: string;
  tag?: string;
  /** The digest the client computed, if it sent one. */
  digest?: string;
}

/** A manifest as served: the stored one, or its conversion (with the converted bytes' digest). */
export interface ServedImage {
  digest: string;
  tag?: string;
  manifest: string;
  mediaType: string;
}

export interface ImageDetail {
  digest: string;
  tags: string[];
  size: number;
  pushedAt: Date;
  mediaType: string;
  artifactMediaType?: string;
  /** When a pull was last recorded (at most a day behind the last pull). */
  lastPulledAt?: Date;
}

/** A descriptor of a manifest that refers to another one through its `subject`. */
export interface Referrer {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ImageListing {
  id: string;
  digest: string;
  tags: string[];
  mediaType: string;
  size: number;
  pushedAt: Date;
}

type Resolution = { image: ImageRecord; tag?: string } | { failure: ImageFailure };

const failure = (
  imageId: ImageId,
  code: ImageFailure['failureCode'],
  reason: string,
): { failure: ImageFailure } => ({
  failure: { imageId, failureCode: code, failureReason: reason },
});

const notFound = (imageId: ImageId): { failure: ImageFailure } =>
  failure(imageId, 'ImageNotFound', 'Requested image not found');

function detailOf(image: ImageDetailRecord): ImageDetail {
  return {
    digest: image.digest,
    tags: image.tags,
    size: image.size,
    pushedAt: image.pushedAt,
    mediaType: image.mediaType,
    ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastPulledAt ? { lastPulledAt: image.lastPulledAt } : {}),
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Whether a pull must be recorded: none is, or the one recorded is a day old. */
const pullRecordDue = (lastPulledAt: Date | null): boolean =>
  lastPulledAt === null || lastPulledAt.getTime() <= Date.now() - DAY_MS;

/** Owns images: manifests, their tags, and what they reference. */
@Injectable()
export class ImagesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly images: ImagesRepository,
    private readonly repositories: RepositoriesService,
    private readonly layers: LayersService,
  ) {}

  /**
   * The (sha256) digest images are known by, of the repository's manifest whose bytes have the
   * SHA-512 digest `sha512Digest`; undefined when it has none.
   */
  async canonicalDigest(
    registryId: string,
    repositoryName: string,
    sha512Digest: string,
  ): Promise<string | undefined> {
    const parsed = parseDigest(sha512Digest);
    const repo = await this.repositories.require(registryId, repositoryName);
    if (parsed?.algorithm !== 'sha512') return undefined;
    return this.images.digestBySha512(repo.id, parsed.hex);
  }

  /**
   * Stores a manifest (and moves or sets its tag); answers its digest, its media type, its
   * subject, and whether anything changed: `created` is false when the repository had the image
   * already, and the tag (if one was given) named it already.
   */
  async put(
    input: NewImage,
  ): Promise<{ digest: string; created: boolean; mediaType: string; subject?: string }> {
    const { registryId, tag } = input;
    const manifest = parseManifest(input.manifest, input.mediaType);
    // The digest of the bytes exactly as sent: clients verify pulls against it.
    const bytes = Buffer.from(input.manifest, 'utf8');
    const digest = formatSha256Digest(createHash('sha256').update(bytes).digest());
    if (input.digest !== undefined && parseDigest(input.digest)?.digest !== digest) {
      throw new ImageDigestDoesNotMatchException(
        `The provided image digest '${input.digest}' does not match the digest '${digest}' calculated for the manifest`,
      );
    }
    const created = await this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, input.repositoryName, m, 'share');
      await this.repositories.requireWritable(repo, m);
      const children = await this.checkReferences(
        m,
        repo,
        registryId,
        manifest.blobs,
        manifest.children,
      );
      // As the model says of a manifest list: "the max size of all manifests in the list".
      const size =
        manifest.kind === 'index'
          ? children.sizes.reduce((a, b) => Math.max(a, b), 0)
          : manifest.size;
      const image = await this.images.insertOrLock(m, {
        repositoryId: repo.id,
        digest,
        manifest: bytes,
        mediaType: manifest.mediaType,
        artifactMediaType: manifest.artifactMediaType,
        size,
        subject: manifest.subject,
      });
      if (image.created) {
        await this.images.insertReferences(m, image.id, manifest.blobs, children.digests);
      }
      if (!tag) return image.created;
      // The setting read under the row's share lock: PutImageTagMutability waits for this push.
      const mutable = isTagMutable(repo, tag);
      if (await this.images.writeTag(m, repo.id, tag, image.id, mutable)) return true;
      // Left as it was, and locked: it names this image already, or another and is immutable.
      if ((await this.images.tagTarget(m, repo.id, tag)) === image.id) return image.created;
      throw new ImageTagAlreadyExistsException(
        `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the tag is immutable.`,
      );
    });
    return {
      digest,
      created,
      mediaType: manifest.mediaType,
      ...(manifest.subject ? { subject: manifest.subject } : {}),
    };
  }

  /**
   * Checks that the manifest's blobs are layers of the repository and its children images of
   * it; answers the children by the (sha256) digests images are known by, each once, and their
   * sizes. A child named by a `sha512:` digest is the image whose manifest bytes have that
   * SHA-512, so an index references, and protects from deletion, the same rows either way.
   */
  private async checkReferences(
    m: EntityManager,
    repo: RepositoryEntity,
    registryId: string,
    blobs: ReferencedBlob[],
    children: string[],
  ): Promise<{ digests: string[]; sizes: number[] }> {
    const missingLayers = await this.layers.missing(
      m,
      repo.id,
      blobs.map((b) => b.digest),
    );
    if (missingLayers.length > 0) {
      throw new LayersNotFoundException(
        `Layers with digests '[${missingLayers.join(', ')}]' required for pushing image into repository with name '${repo.name}' in the registry with id '${registryId}' do not exist`,
      );
    }
    if (children.length === 0) return { digests: [], sizes: [] };
    const sha512 = children.filter((d) => parseDigest(d)?.algorithm === 'sha512');
    const canonicalOf = new Map(children.map((d) => [d, d]));
    if (sha512.length > 0) {
      const found = await this.images.digestsBySha512(
        m,
        repo.id,
        sha512.map((d) => parseDigest(d)!.hex),
      );
      for (const d of sha512) {
        const canonical = found.get(parseDigest(d)!.hex);
        if (canonical) canonicalOf.set(d, canonical);
        else canonicalOf.delete(d);
      }
    }
    const digests = [...new Set(canonicalOf.values())];
    // Held until the index is committed, so that a concurrent BatchDeleteImage of a child
    // waits and then sees the index reference it; a child it deleted first is missing here.
    const have = await this.images.holdExisting(m, repo.id, digests);
    const held = new Set(have.map((c) => c.digest));
    const missing = children.filter((d) => !held.has(canonicalOf.get(d) ?? ''));
    if (missing.length > 0) {
      throw new ReferencedImagesNotFoundException(
        `Manifests with digests '[${missing.join(', ')}]' referenced by the image index do not exist in the repository with name '${repo.name}' in the registry with id '${registryId}'`,
      );
    }
    return { digests, sizes: have.map((c) => c.size) };
  }

  /** Finds one image id's image, or the ECR failure for it. */
  private async resolve(m: EntityManager, repoId: string, id: ImageId): Promise<Resolution> {
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
    const image =
      imageTag !== undefined
        ? await this.images.findByTag(m, repoId, imageTag)
        : await this.images.findByDigest(m, repoId, digest!);
    if (!image) return notFound(id);
    if (digest !== undefined && image.digest !== digest) {
      return failure(
        id,
        'ImageTagDoesNotMatchDigest',
        'Invalid request parameters: given tag does not map to the given digest',
      );
    }
    return { image, tag: imageTag };
  }

  /**
   * The manifests of the images named, each once, in a format the caller accepts where ECR's
   * conversions allow (see `negotiateManifest`); what is not served is a failure.
   */
  async batchGet(
    registryId: string,
    repositoryName: string,
    ids: ImageId[],
    acceptedMediaTypes?: string[],
    puller?: string,
  ): Promise<{ images: ServedImage[]; failures: ImageFailure[] }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const images: ServedImage[] = [];
    const failures: ImageFailure[] = [];
    const seen = new Set<string>();
    const pulled = new Set<string>();
    for (const id of ids) {
      const resolved = await this.resolve(this.images.manager, repo.id, id);
      if ('failure' in resolved) {
        failures.push(resolved.failure);
        continue;
      }
      const { image, tag } = resolved;
      // Converted only when named by tag alone: a digest names exactly the stored bytes.
      const answer = negotiateManifest({
        stored: image.manifest,
        storedMediaType: image.mediaType,
        storedDigest: image.digest,
        accepted: acceptedMediaTypes,
        by: id.imageDigest === undefined ? 'tag' : 'digest',
      });
      if ('unavailable' in answer) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: answer.reason });
        continue;
      }
      // Read with the row: a pull writes only when the recorded one is a day old.
      if (pullRecordDue(image.lastPulledAt)) pulled.add(image.id);
      const key = `${answer.digest}\n${tag ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      images.push({
        digest: answer.digest,
        ...(tag !== undefined ? { tag } : {}),
        manifest: answer.manifest.toString('utf8'),
        mediaType: answer.mediaType,
      });
    }
    // As in ECR, a BatchGetImage is a pull (aws/containers-roadmap#2390).
    if (pulled.size > 0) await this.images.recordPulls([...pulled], puller);
    return { images, failures };
  }

  /** The details of the images named, each once; a missing or malformed id is an error. */
  async describeNamed(
    registryId: string,
    repositoryName: string,
    ids: ImageId[],
  ): Promise<ImageDetail[]> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const details: ImageDetail[] = [];
    for (const id of ids) {
      const resolved = await this.resolve(this.images.manager, repo.id, id);
      if ('failure' in resolved) {
        if (resolved.failure.failureCode === 'ImageNotFound') {
          throw new ImageNotFoundException(
            // ECR names both members, an absent one as 'null'.
            `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${registryId}'`,
          );
        }
        throw new InvalidParameterException(resolved.failure.failureReason);
      }
      const row = await this.images.detail(resolved.image.id);
      if (!details.some((d) => d.digest === row.digest)) details.push(detailOf(row));
    }
    return details;
  }

  /** A page of the repository's image details by id, after the image id `after`. */
  async describe(
    registryId: string,
    repositoryName: string,
    tagStatus: TagStatus,
    limit: number,
    after = '0',
  ): Promise<{ details: ImageDetail[]; lastId?: string }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const rows = await this.images.pageDetails(repo.id, tagStatus, limit + 1, after);
    const page = rows.slice(0, limit);
    return {
      details: page.map(detailOf),
      ...(rows.length > limit ? { lastId: page[page.length - 1].id } : {}),
    };
  }

  /** A page of image ids: one per tag, one per untagged image, after the position `after`. */
  async list(
    registryId: string,
    repositoryName: string,
    tagStatus: TagStatus,
    limit: number,
    after = { id: '0', tag: '' },
  ): Promise<{ ids: ImageId[]; last?: { id: string; tag: string } }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    const rows = await this.images.pageIds(repo.id, tagStatus, limit + 1, after);
    const page = rows.slice(0, limit);
    const ids = page.map((r) => ({
      imageDigest: r.digest,
      ...(r.tag !== null ? { imageTag: r.tag } : {}),
    }));
    if (rows.length <= limit) return { ids };
    const last = page[page.length - 1];
    return { ids, last: { id: last.id, tag: last.tag ?? '' } };
  }

  /** A page of the repository's tag names in byte order, after `after`; `more` if others follow. */
  async listTags(
    registryId: string,
    repositoryName: string,
    limit: number,
    after?: string,
  ): Promise<{ tags: string[]; more: boolean }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    if (limit === 0) return { tags: [], more: false };
    const tags = await this.images.tagNames(repo.id, limit + 1, after);
    return { tags: tags.slice(0, limit), more: tags.length > limit };
  }

  /**
   * The descriptors of the repository's manifests whose `subject` is `digest` (the referrers
   * API), each with its artifact type and annotations; with `artifactType`, only those of it.
   */
  async referrers(
    registryId: string,
    repositoryName: string,
    digest: string,
    artifactType?: string,
  ): Promise<Referrer[]> {
    const types = artifactType === undefined ? undefined : [artifactType];
    return (await this.referrersPage(registryId, repositoryName, digest, types)).referrers;
  }

  /**
   * A page of the referrers of `digest` (ListImageReferrers): up to `page.limit` after the image
   * id `page.afterId`, in push order, of any of `artifactTypes`; `lastId` when more may follow.
   */
  async referrersPage(
    registryId: string,
    repositoryName: string,
    digest: string,
    artifactTypes?: string[],
    page?: { afterId: string; limit: number },
  ): Promise<{ referrers: Referrer[]; lastId?: string }> {
    const repo = await this.repositories.require(registryId, repositoryName);
    // PostgreSQL text holds no NUL, so no stored artifact type has one: such a type matches
    // nothing, and must not reach the query (which would fail on it).
    const types = artifactTypes?.filter((t) => !t.includes('\u0000'));
    if (types && types.length === 0 && artifactTypes!.length > 0) return { referrers: [] };
    const rows = await this.images.referrers(
      repo.id,
      digest,
      types,
      page && { afterId: page.afterId, limit: page.limit + 1 },
    );
    const more = page !== undefined && rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const referrers = shown.map((r) => {
      let annotations: unknown;
      try {
        annotations = (JSON.parse(r.manifest.toString('utf8')) as { annotations?: unknown })
          .annotations;
      } catch {
        annotations = undefined;
      }
      return {
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.manifest.length,
        ...(r.artifactMediaType ? { artifactType: r.artifactMediaType } : {}),
        ...(annotations && typeof annotations === 'object' && !Array.isArray(annotations)
          ? { annotations: annotations as Record<string, string> }
          : {}),
      };
    });
    return more ? { referrers, lastId: shown[shown.length - 1].id } : { referrers };
  }

  /** Deletes (or untags) the images named; answers what went and what failed. */
  async batchDelete(
    registryId: string,
    repositoryName: string,
    ids: ImageId[],
  ): Promise<{ deleted: ImageId[]; failures: ImageFailure[] }> {
    return this.dataSource.transaction(async (m) => {
      const repo = await this.repositories.require(registryId, repositoryName, m, 'share');
      // Every image the request names is locked up front, in id order, as a lifecycle evaluation
      // locks them: two such transactions over the same images then queue instead of
      // deadlocking. The loop below resolves each id again under those locks.
      const named: string[] = [];
      for (const id of ids) {
        const resolved = await this.resolve(m, repo.id, id);
        if (!('failure' in resolved)) named.push(resolved.image.id);
      }
      await this.images.lockInIdOrder(m, named);
      const deleted: ImageId[] = [];
      const failures: ImageFailure[] = [];
      for (const id of ids) {
        const resolved = await this.resolve(m, repo.id, id);
        if ('failure' in resolved) {
          failures.push(resolved.failure);
          continue;
        }
        const { image } = resolved;
        if (!(await this.images.lock(m, image.id))) {
          failures.push(notFound(id).failure);
          continue;
        }
        if (id.imageTag !== undefined && id.imageDigest === undefined) {
          // Only while the tag still names the image resolved and locked above: a PutImage may
          // have moved it since, and then it is no longer this image's tag to remove.
          if (!(await this.images.untag(m, repo.id, id.imageTag, image.id))) {
            failures.push(notFound(id).failure);
            continue;
          }
          deleted.push({ imageDigest: image.digest, imageTag: id.imageTag });
          // As in ECR: removing an image's last tag deletes the image.
          if (
            (await this.images.tagCount(m, image.id)) === 0 &&
            !(await this.images.referencedByIndex(m, repo.id, image.digest))
          ) {
            await this.images.delete(m, image.id);
          }
          continue;
        }
        const indexes = await this.images.indexesReferencing(m, repo.id, image.digest);
        if (indexes.length > 0) {
          failures.push({
            imageId: id,
            failureCode: 'ImageReferencedByManifestList',
            failureReason: `Requested image referenced by manifest list: [${indexes.join(', ')}]`,
          });
          continue;
        }
        const removedTags = await this.images.removeTags(m, image.id);
        await this.images.delete(m, image.id);
        if (removedTags.length === 0) deleted.push({ imageDigest: image.digest });
        for (const tag of removedTags) deleted.push({ imageDigest: image.digest, imageTag: tag });
      }
      return { deleted, failures };
    });
  }

  /**
   * Records a download of a blob of the repository as a pull of the images that reference it.
   * The caller asks only when one of them is due (`LayerBlob.pullDue`). `puller` is the
   * principal ARN of the caller: one its registry excludes from pull time updates records nothing.
   */
  recordBlobPull(repositoryId: string, digest: string, puller?: string): Promise<void> {
    return this.images.recordBlobPull(repositoryId, digest, puller);
  }

  /** A page of the repository's images in the order they were pushed (for operators). */
  listByRepositoryId(repositoryId: string, limit: number, after?: string): Promise<ImageListing[]> {
    return this.images.page(repositoryId, limit, after);
  }
}
