import { RepositoryScopedRequest } from './repository-scoped.request';
import {
  BlobMember,
  IntegerMember,
  ListMember,
  Pattern,
  Range,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import { LAYER_DIGEST_PATTERN, UPLOAD_ID_PATTERN } from '../../common/patterns';

export class InitiateLayerUploadRequest extends RepositoryScopedRequest {}

export class UploadLayerPartRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Pattern(UPLOAD_ID_PATTERN)
  uploadId!: string;

  @Required()
  @IntegerMember()
  @Range(0, Number.MAX_SAFE_INTEGER)
  partFirstByte!: number;

  @Required()
  @IntegerMember()
  @Range(0, Number.MAX_SAFE_INTEGER)
  partLastByte!: number;

  /**
   * Base64 on the wire. Its decoded size (1 byte to 20 MiB) is checked against the upload's
   * state, so that a bad size is answered `InvalidLayerPartException` with where the upload stands.
   */
  @Required()
  @BlobMember()
  layerPartBlob!: Buffer;
}

export class CompleteLayerUploadRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Pattern(UPLOAD_ID_PATTERN)
  uploadId!: string;

  @Required()
  @ListMember(1, 100, 'string')
  @Pattern(LAYER_DIGEST_PATTERN, true)
  layerDigests!: string[];
}
