import { RepositoryScopedRequest } from './repository-scoped.request';
import {
  BooleanMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';

export const IMAGE_TAG_MUTABILITY = ['MUTABLE', 'IMMUTABLE'] as const;
export const ENCRYPTION_TYPES = ['AES256', 'KMS', 'KMS_DSSE'] as const;

export class TagInput {
  @Required()
  @StringMember()
  Key!: string;

  @Required()
  @StringMember()
  Value!: string;
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
  @Nested(() => ImageScanningConfigurationInput)
  imageScanningConfiguration?: ImageScanningConfigurationInput;

  @Optional()
  @Nested(() => EncryptionConfigurationInput)
  encryptionConfiguration?: EncryptionConfigurationInput;
}
