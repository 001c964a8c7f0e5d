import {
  ListMember,
  Nested,
  OneOf,
  Optional,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import {
  IMAGE_TAG_MUTABILITY,
  ImageTagMutabilityExclusionFilterInput,
  TagInput,
} from './create-repository.request';
import { RepositoryScopedRequest } from './repository-scoped.request';

// The model puts no constraint on an ARN, a tag key or a tag value: the ARN is read by
// `resource-arn.ts` (InvalidParameterException), tags by the repositories module
// (InvalidTagParameterException, TooManyTagsException).

export class TagResourceRequest {
  @Required()
  @StringMember()
  resourceArn!: string;

  @Required()
  @ListMember(undefined, undefined, 'object')
  @Nested(() => TagInput, true)
  tags!: TagInput[];
}

export class UntagResourceRequest {
  @Required()
  @StringMember()
  resourceArn!: string;

  @Required()
  @ListMember(undefined, undefined, 'string')
  tagKeys!: string[];
}

export class ListTagsForResourceRequest {
  @Required()
  @StringMember()
  resourceArn!: string;
}

export class PutImageTagMutabilityRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @OneOf(IMAGE_TAG_MUTABILITY)
  imageTagMutability!: (typeof IMAGE_TAG_MUTABILITY)[number];

  @Optional()
  @ListMember(1, 5, 'object')
  @Nested(() => ImageTagMutabilityExclusionFilterInput, true)
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilterInput[];
}
