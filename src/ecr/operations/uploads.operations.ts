import type {
  CompleteLayerUploadResponse,
  InitiateLayerUploadResponse,
  UploadLayerPartResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import type { BlobSink } from '../../common/blob-sink';
import { LayerAlreadyExistsException } from '../../layers/layers.errors';
import {
  MAX_PART_BYTES,
  PART_SIZE,
  STRICT_PARTS,
  UploadsService,
} from '../../uploads/uploads.service';
import {
  CompleteLayerUploadRequest,
  InitiateLayerUploadRequest,
  UploadLayerPartRequest,
} from '../dto/upload-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/**
 * The body of the largest part: its 20 MiB in base64 (27,962,028 characters) plus room for the
 * other members. A part a little over 20 MiB still fits, so that it is answered
 * `InvalidLayerPartException` with where the upload stands, like any bad part.
 */
export const MAX_PART_BODY_BYTES = Math.ceil(MAX_PART_BYTES / 3) * 4 + 4096;

/** InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload. */
@Injectable()
export class UploadsOperations {
  constructor(private readonly uploads: UploadsService) {}

  @EcrOperation('InitiateLayerUpload', InitiateLayerUploadRequest)
  async initiate(
    input: InitiateLayerUploadRequest,
    ctx: EcrCallContext,
  ): Promise<InitiateLayerUploadResponse> {
    const { uploadId } = await this.uploads.initiate(ctx.registryId, input.repositoryName);
    return { uploadId, partSize: PART_SIZE };
  }

  /** The part's bytes go to storage while the body arrives (`@EcrOperation`'s `blobSink`). */
  stagePart(): BlobSink {
    return this.uploads.stagePart();
  }

  @EcrOperation('UploadLayerPart', UploadLayerPartRequest, {
    maxBodyBytes: MAX_PART_BODY_BYTES,
    blobMember: 'layerPartBlob',
    blobSink: 'stagePart',
  })
  async uploadPart(
    input: UploadLayerPartRequest,
    ctx: EcrCallContext,
  ): Promise<UploadLayerPartResponse> {
    const { partFirstByte: first, partLastByte: last } = input;
    const declared = last - first + 1;
    const { bytesReceived } = await this.uploads.append({
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      uploadId: input.uploadId,
      rules: STRICT_PARTS,
      start: first,
      declared: {
        bytes: declared,
        said: `partFirstByte ${first} and partLastByte ${last} describe ${Math.max(declared, 0)}`,
      },
      body: input.layerPartBlob,
      staged: ctx.blobSink,
    });
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      uploadId: input.uploadId.toLowerCase(),
      lastByteReceived: bytesReceived - 1,
    };
  }

  @EcrOperation('CompleteLayerUpload', CompleteLayerUploadRequest)
  async complete(
    input: CompleteLayerUploadRequest,
    ctx: EcrCallContext,
  ): Promise<CompleteLayerUploadResponse> {
    const { digest: layerDigest, created } = await this.uploads.complete({
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      uploadId: input.uploadId,
      layerDigests: input.layerDigests,
      rules: STRICT_PARTS,
    });
    if (!created) {
      throw LayerAlreadyExistsException.of(ctx.registryId, input.repositoryName, layerDigest);
    }
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      uploadId: input.uploadId.toLowerCase(),
      layerDigest,
    };
  }
}
