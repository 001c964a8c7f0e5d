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
import { TEMPLATE_PURPOSES } from '../../templates/templates.service';
import {
  ENCRYPTION_TYPES,
  IMAGE_TAG_MUTABILITY,
  ImageTagMutabilityExclusionFilterInput,
  TagInput,
} from './create-repository.request';

/** The model's Prefix pattern (a repository namespace, or ROOT), anchors included. */
export const PREFIX_PATTERN =
  '^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$';
/** KmsKeyForRepositoryCreationTemplate's pattern, as the model writes it. */
export const TEMPLATE_KMS_KEY_PATTERN =
  '^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\\/[a-z0-9-]+';

export class TemplateEncryptionConfigurationInput {
  @Required()
  @StringMember()
  @OneOf(ENCRYPTION_TYPES)
  encryptionType!: (typeof ENCRYPTION_TYPES)[number];

  @Optional()
  @StringMember()
  @Length(0, 2048)
  @Pattern(TEMPLATE_KMS_KEY_PATTERN)
  kmsKey?: string;
}

class TemplateSettingsRequest {
  @Optional()
  @StringMember()
  @Length(undefined, 256)
  description?: string;

  @Optional()
  @Nested(() => TemplateEncryptionConfigurationInput)
  encryptionConfiguration?: TemplateEncryptionConfigurationInput;

  @Optional()
  @ListMember(undefined, undefined, 'object')
  @Nested(() => TagInput, true)
  resourceTags?: TagInput[];

  @Optional()
  @StringMember()
  @OneOf(IMAGE_TAG_MUTABILITY)
  imageTagMutability?: (typeof IMAGE_TAG_MUTABILITY)[number];

  @Optional()
  @ListMember(1, 5, 'object')
  @Nested(() => ImageTagMutabilityExclusionFilterInput, true)
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilterInput[];

  @Optional()
  @StringMember()
  @Length(0, 10240)
  repositoryPolicy?: string;

  @Optional()
  @StringMember()
  @Length(0, 30720)
  lifecyclePolicy?: string;

  @Optional()
  @StringMember()
  @Length(undefined, 2048)
  customRoleArn?: string;
}

export class CreateRepositoryCreationTemplateRequest extends TemplateSettingsRequest {
  @Required()
  @StringMember()
  @Length(1, 256)
  @Pattern(PREFIX_PATTERN)
  prefix!: string;

  @Required()
  @ListMember(undefined, undefined, 'string')
  @OneOf(TEMPLATE_PURPOSES, true)
  appliedFor!: (typeof TEMPLATE_PURPOSES)[number][];
}

export class UpdateRepositoryCreationTemplateRequest extends TemplateSettingsRequest {
  @Required()
  @StringMember()
  @Length(1, 256)
  @Pattern(PREFIX_PATTERN)
  prefix!: string;

  @Optional()
  @ListMember(undefined, undefined, 'string')
  @OneOf(TEMPLATE_PURPOSES, true)
  appliedFor?: (typeof TEMPLATE_PURPOSES)[number][];
}

export class DeleteRepositoryCreationTemplateRequest {
  @Required()
  @StringMember()
  @Length(1, 256)
  @Pattern(PREFIX_PATTERN)
  prefix!: string;
}

export class DescribeRepositoryCreationTemplatesRequest {
  @Optional()
  @ListMember(undefined, undefined, 'string')
  @Length(1, 256, true)
  @Pattern(PREFIX_PATTERN, true)
  prefixes?: string[];

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;
}
