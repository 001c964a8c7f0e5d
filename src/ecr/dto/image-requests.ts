import { RepositoryScopedRequest } from './repository-scoped.request';
import {
  IntegerMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Pattern,
  Range,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import {
  IMAGE_TAG_PATTERN,
  LAYER_DIGEST_PATTERN,
  REGISTRY_ID_PATTERN,
} from '../../common/patterns';

export const TAG_STATUS = ['TAGGED', 'UNTAGGED', 'ANY'] as const;
export const IMAGE_STATUS = ['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'] as const;

/** An image id; malformed ids are answered in `failures`, as ECR does, not refused. */
export class ImageIdentifierInput {
  @Optional()
  @StringMember()
  imageDigest?: string;

  @Optional()
  @StringMember()
  imageTag?: string;
}

export class PutImageRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Length(1, 4194304)
  imageManifest!: string;

  @Optional()
  @StringMember()
  imageManifestMediaType?: string;

  @Optional()
  @StringMember()
  @Length(1, 300)
  @Pattern(IMAGE_TAG_PATTERN)
  imageTag?: string;

  @Optional()
  @StringMember()
  imageDigest?: string;
}

export class BatchGetImageRequest extends RepositoryScopedRequest {
  @Required()
  @ListMember(1, 100, 'object')
  @Nested(() => ImageIdentifierInput, true)
  imageIds!: ImageIdentifierInput[];

  @Optional()
  @ListMember(1, 100, 'string')
  acceptedMediaTypes?: string[];
}

export class ImagesFilterInput {
  @Optional()
  @StringMember()
  @OneOf(TAG_STATUS)
  tagStatus?: (typeof TAG_STATUS)[number];

  @Optional()
  @StringMember()
  @OneOf(IMAGE_STATUS)
  imageStatus?: (typeof IMAGE_STATUS)[number];
}

export class DescribeImagesRequest extends RepositoryScopedRequest {
  @Optional()
  @ListMember(1, 100, 'object')
  @Nested(() => ImageIdentifierInput, true)
  imageIds?: ImageIdentifierInput[];

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;

  @Optional()
  @Nested(() => ImagesFilterInput)
  filter?: ImagesFilterInput;
}

export class ListImagesRequest extends RepositoryScopedRequest {
  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;

  @Optional()
  @Nested(() => ImagesFilterInput)
  filter?: ImagesFilterInput;
}

export class BatchDeleteImageRequest extends RepositoryScopedRequest {
  @Required()
  @ListMember(1, 100, 'object')
  @Nested(() => ImageIdentifierInput, true)
  imageIds!: ImageIdentifierInput[];
}

export class SubjectIdentifierInput {
  @Required()
  @StringMember()
  imageDigest!: string;
}

export const ARTIFACT_STATUS = ['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'] as const;

export class ListImageReferrersFilterInput {
  @Optional()
  @ListMember(0, 5, 'string')
  @Length(1, 255, true)
  artifactTypes?: string[];

  @Optional()
  @StringMember()
  @OneOf(ARTIFACT_STATUS)
  artifactStatus?: (typeof ARTIFACT_STATUS)[number];
}

export class ListImageReferrersRequest extends RepositoryScopedRequest {
  @Required()
  @Nested(() => SubjectIdentifierInput)
  subjectId!: SubjectIdentifierInput;

  @Optional()
  @Nested(() => ListImageReferrersFilterInput)
  filter?: ListImageReferrersFilterInput;

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 50)
  maxResults?: number;
}

export class GetDownloadUrlForLayerRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Pattern(LAYER_DIGEST_PATTERN)
  layerDigest!: string;
}

export class GetAuthorizationTokenRequest {
  @Optional()
  @ListMember(1, 10, 'string')
  @Pattern(REGISTRY_ID_PATTERN, true)
  registryIds?: string[];
}
