import type {
  BatchDeleteImageResponse,
  BatchGetImageResponse,
  DescribeImagesResponse,
  ImageDetail as EcrImageDetail,
  ImageFailure as EcrImageFailure,
  ListImageReferrersResponse,
  ListImagesResponse,
  PutImageResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { principalArnOf } from '../../auth/principal';
import { InvalidParameterException } from '../../common/errors/registry-exception';
import { LAYER_DIGEST_PATTERN } from '../../common/patterns';
import { decodePageToken, encodePageToken } from '../../common/page-token';
import { parseDigest } from '../../crypto/digest';
import { ImageAlreadyExistsException } from '../../images/images.errors';
import { ImageDetail, ImageFailure, ImagesService } from '../../images/images.service';
import {
  BatchDeleteImageRequest,
  BatchGetImageRequest,
  DescribeImagesRequest,
  ListImageReferrersRequest,
  ListImagesRequest,
  PutImageRequest,
} from '../dto/image-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';
import { rejectPagingWith } from './paging';

const DEFAULT_PAGE_SIZE = 100;
/** ListImageReferrers' page when `maxResults` is absent, as the model says. */
const DEFAULT_REFERRERS_PAGE = 20;

function failureShape(f: ImageFailure): EcrImageFailure {
  return { imageId: f.imageId, failureCode: f.failureCode, failureReason: f.failureReason };
}

/** PutImage, BatchGetImage, DescribeImages, ListImages, ListImageReferrers and BatchDeleteImage. */
@Injectable()
export class ImagesOperations {
  constructor(private readonly images: ImagesService) {}

  // A 4 MiB manifest, even JSON-escaped or in multi-byte UTF-8, with room to spare.
  @EcrOperation('PutImage', PutImageRequest, { maxBodyBytes: 4 * 4 * 1024 * 1024 + 65536 })
  async put(input: PutImageRequest, ctx: EcrCallContext): Promise<PutImageResponse> {
    const tag = input.imageTag;
    const stored = await this.images.put({
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      manifest: input.imageManifest,
      mediaType: input.imageManifestMediaType,
      tag,
      digest: input.imageDigest,
    });
    if (!stored.created) {
      throw ImageAlreadyExistsException.of(
        ctx.registryId,
        input.repositoryName,
        stored.digest,
        tag,
      );
    }
    return {
      image: {
        registryId: ctx.registryId,
        repositoryName: input.repositoryName,
        imageId: { imageDigest: stored.digest, ...(tag ? { imageTag: tag } : {}) },
        imageManifest: input.imageManifest,
        imageManifestMediaType: stored.mediaType,
      },
    };
  }

  @EcrOperation('BatchGetImage', BatchGetImageRequest)
  async batchGet(input: BatchGetImageRequest, ctx: EcrCallContext): Promise<BatchGetImageResponse> {
    const { images, failures } = await this.images.batchGet(
      ctx.registryId,
      input.repositoryName,
      input.imageIds,
      input.acceptedMediaTypes,
      principalArnOf(ctx.accountId, ctx.accessKeyId),
    );
    return {
      images: images.map((image) => ({
        registryId: ctx.registryId,
        repositoryName: input.repositoryName,
        imageId: {
          imageDigest: image.digest,
          ...(image.tag !== undefined ? { imageTag: image.tag } : {}),
        },
        imageManifest: image.manifest,
        imageManifestMediaType: image.mediaType,
      })),
      failures: failures.map(failureShape),
    };
  }

  @EcrOperation('DescribeImages', DescribeImagesRequest)
  async describe(
    input: DescribeImagesRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeImagesResponse> {
    const shape = (d: ImageDetail): EcrImageDetail => ({
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      imageDigest: d.digest,
      ...(d.tags.length > 0 ? { imageTags: d.tags } : {}),
      imageSizeInBytes: d.size,
      imagePushedAt: d.pushedAt,
      imageManifestMediaType: d.mediaType,
      ...(d.artifactMediaType ? { artifactMediaType: d.artifactMediaType } : {}),
      ...(d.lastPulledAt ? { lastRecordedPullTime: d.lastPulledAt } : {}),
      imageStatus: 'ACTIVE',
    });
    if (input.imageIds) {
      rejectPagingWith(input, 'imageIds');
      const details = await this.images.describeNamed(
        ctx.registryId,
        input.repositoryName,
        input.imageIds,
      );
      return { imageDetails: details.map(shape) };
    }
    // Image ids are strings to the domain (bigint columns); a token holds one as a JSON number.
    const after = input.nextToken ? decodePageToken(input.nextToken, { id: 'id' }).id : 0;
    const page = await this.images.describe(
      ctx.registryId,
      input.repositoryName,
      input.filter?.tagStatus ?? 'ANY',
      input.maxResults ?? DEFAULT_PAGE_SIZE,
      String(after),
    );
    const result: DescribeImagesResponse = { imageDetails: page.details.map(shape) };
    if (page.lastId !== undefined) result.nextToken = encodePageToken({ id: Number(page.lastId) });
    return result;
  }

  @EcrOperation('ListImages', ListImagesRequest)
  async list(input: ListImagesRequest, ctx: EcrCallContext): Promise<ListImagesResponse> {
    const position = input.nextToken
      ? decodePageToken(input.nextToken, { id: 'id', tag: 'string' })
      : { id: 0, tag: '' };
    const page = await this.images.list(
      ctx.registryId,
      input.repositoryName,
      input.filter?.tagStatus ?? 'ANY',
      input.maxResults ?? DEFAULT_PAGE_SIZE,
      { id: String(position.id), tag: position.tag },
    );
    const result: ListImagesResponse = { imageIds: page.ids };
    if (page.last) {
      result.nextToken = encodePageToken({ id: Number(page.last.id), tag: page.last.tag });
    }
    return result;
  }

  /**
   * The artifacts whose manifest names the image as its `subject`: what `GET
   * /v2/<name>/referrers/<digest>` lists, paginated. Berth archives nothing, so every artifact is
   * `ACTIVE`: the status filter `ARCHIVED` or `ACTIVATING` lists none.
   */
  @EcrOperation('ListImageReferrers', ListImageReferrersRequest)
  async listReferrers(
    input: ListImageReferrersRequest,
    ctx: EcrCallContext,
  ): Promise<ListImageReferrersResponse> {
    const subject = parseDigest(input.subjectId.imageDigest);
    if (!subject) {
      throw new InvalidParameterException(
        `Invalid request parameters: image digest should satisfy the regex '${LAYER_DIGEST_PATTERN}'`,
      );
    }
    const after = input.nextToken ? decodePageToken(input.nextToken, { id: 'id' }).id : 0;
    const status = input.filter?.artifactStatus ?? 'ACTIVE';
    const types = input.filter?.artifactTypes;
    if (status === 'ARCHIVED' || status === 'ACTIVATING') {
      // Checked all the same, as for any other filter: a missing repository is an error.
      await this.images.referrersPage(ctx.registryId, input.repositoryName, subject.digest, [], {
        afterId: '0',
        limit: 1,
      });
      return { referrers: [] };
    }
    const page = await this.images.referrersPage(
      ctx.registryId,
      input.repositoryName,
      subject.digest,
      types && types.length > 0 ? types : undefined,
      { afterId: String(after), limit: input.maxResults ?? DEFAULT_REFERRERS_PAGE },
    );
    const result: ListImageReferrersResponse = {
      referrers: page.referrers.map((r) => ({
        digest: r.digest,
        mediaType: r.mediaType,
        ...(r.artifactType ? { artifactType: r.artifactType } : {}),
        size: r.size,
        ...(r.annotations ? { annotations: r.annotations } : {}),
        artifactStatus: 'ACTIVE',
      })),
    };
    if (page.lastId !== undefined) result.nextToken = encodePageToken({ id: Number(page.lastId) });
    return result;
  }

  @EcrOperation('BatchDeleteImage', BatchDeleteImageRequest)
  async batchDelete(
    input: BatchDeleteImageRequest,
    ctx: EcrCallContext,
  ): Promise<BatchDeleteImageResponse> {
    const { deleted, failures } = await this.images.batchDelete(
      ctx.registryId,
      input.repositoryName,
      input.imageIds,
    );
    return { imageIds: deleted, failures: failures.map(failureShape) };
  }
}
