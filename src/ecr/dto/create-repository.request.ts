import { RepositoryScopedRequest } from './repository-scoped.request';
import { IMAGE_TAG_MUTABILITIES } from '../../repositories/tag-mutability';
import {
  BooleanMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Pattern,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';

export const IMAGE_TAG_MUTABILITY = IMAGE_TAG_MUTABILITIES;
export const EXCLUSION_FILTER_TYPES = ['WILDCARD'] as const;
/** ImageTagMutabilityExclusionFilterValue's pattern, anchors included, as the model writes it. */
export const EXCLUSION_FILTER_PATTERN = '^[0-9a-zA-Z._*-]{1,128}$';
export const ENCRYPTION_TYPES = ['AES256', 'KMS', 'KMS_DSSE'] as const;

export class TagInput {
  @Required()
  @StringMember()
  Key!: string;

  @Required()
  @StringMember()
  Value!: string;
}

export class ImageTagMutabilityExclusionFilterInput {
  @Required()
  @StringMember()
  @OneOf(EXCLUSION_FILTER_TYPES)
  filterType!: (typeof EXCLUSION_FILTER_TYPES)[number];

  @Required()
  @StringMember()
  @Length(1, 128)
  @Pattern(EXCLUSION_FILTER_PATTERN)
  filter!: string;
}

export class ImageScanningConfigurationInput {
  @Optional()
  @BooleanMember()
  scanOnPush?: boolean;
}

export class EncryptionConfigurationInput {
  @Required()
  @StringMember()
  @OneOf(ENCRYPTION_TYPES)
  encryptionType!: (typeof ENCRYPTION_TYPES)[number];

  @Optional()
  @StringMember()
  @Length(1, 2048)
  kmsKey?: string;
}

/** CreateRepositoryRequest. Tag contents are checked by the service (InvalidTagParameterException). */
export class CreateRepositoryRequest extends RepositoryScopedRequest {
  @Optional()
  @ListMember(undefined, undefined, 'object')
  @Nested(() => TagInput, true)
  tags?: TagInput[];

  @Optional()
  @StringMember()
  @OneOf(IMAGE_TAG_MUTABILITY)
  imageTagMutability?: (typeof IMAGE_TAG_MUTABILITY)[number];

  @Optional()
  @ListMember(1, 5, 'object')
  @Nested(() => ImageTagMutabilityExclusionFilterInput, true)
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilterInput[];

  @Optional()
  @Nested(() => ImageScanningConfigurationInput)
  imageScanningConfiguration?: ImageScanningConfigurationInput;

  @Optional()
  @Nested(() => EncryptionConfigurationInput)
  encryptionConfiguration?: EncryptionConfigurationInput;
}
