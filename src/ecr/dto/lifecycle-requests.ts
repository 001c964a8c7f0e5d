import { RepositoryScopedRequest } from './repository-scoped.request';
import { ImageIdentifierInput, TAG_STATUS } from './image-requests';
import {
  IntegerMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Range,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';

/** The model's `LifecyclePolicyText`: 100 to 30,720 characters. */
const POLICY_MIN = 100;
const POLICY_MAX = 30720;

export class PutLifecyclePolicyRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Length(POLICY_MIN, POLICY_MAX)
  lifecyclePolicyText!: string;
}

export class GetLifecyclePolicyRequest extends RepositoryScopedRequest {}

export class DeleteLifecyclePolicyRequest extends RepositoryScopedRequest {}

export class StartLifecyclePolicyPreviewRequest extends RepositoryScopedRequest {
  @Optional()
  @StringMember()
  @Length(POLICY_MIN, POLICY_MAX)
  lifecyclePolicyText?: string;
}

export class LifecyclePolicyPreviewFilterInput {
  @Optional()
  @StringMember()
  @OneOf(TAG_STATUS)
  tagStatus?: (typeof TAG_STATUS)[number];
}

export class GetLifecyclePolicyPreviewRequest extends RepositoryScopedRequest {
  @Optional()
  @ListMember(1, 100, 'object')
  @Nested(() => ImageIdentifierInput, true)
  imageIds?: ImageIdentifierInput[];

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 100)
  maxResults?: number;

  @Optional()
  @Nested(() => LifecyclePolicyPreviewFilterInput)
  filter?: LifecyclePolicyPreviewFilterInput;
}
