import { AccessKeyEntity } from '../auth/entities/access-key.entity';
import { AccountEntity } from '../auth/entities/account.entity';
import { MasterKeyCheckEntity } from '../crypto/entities/master-key-check.entity';
import { ServiceSecretEntity } from '../crypto/entities/service-secret.entity';
import {
  GcBlobReviewEntity,
  GcLayerReviewEntity,
  GcReconciliationEntity,
  GcStorageReviewEntity,
} from '../gc/entities/gc-review.entities';
import { GcRunEntity } from '../gc/entities/gc-run.entity';
import { ImageChildEntity } from '../images/entities/image-child.entity';
import { ImageLayerEntity } from '../images/entities/image-layer.entity';
import { ImageTagEntity } from '../images/entities/image-tag.entity';
import { ImageEntity } from '../images/entities/image.entity';
import { BlobEntity } from '../layers/entities/blob.entity';
import { LayerEntity } from '../layers/entities/layer.entity';
import { LifecyclePolicyPreviewEntity } from '../lifecycle/entities/lifecycle-policy-preview.entity';
import { LifecyclePolicyEntity } from '../lifecycle/entities/lifecycle-policy.entity';
import { RepositoryPolicyEntity } from '../policies/entities/repository-policy.entity';
import { RepositoryEntity } from '../repositories/entities/repository.entity';
import { RepositoryCreationTemplateEntity } from '../templates/entities/repository-creation-template.entity';
import { BlobChunkEntity } from '../storage/entities/blob-chunk.entity';
import { StorageObjectEntity } from '../storage/entities/storage-object.entity';
import {
  AccountSettingEntity,
  PullTimeUpdateExclusionEntity,
  RegistrySettingsEntity,
} from '../registry-settings/entities/registry-settings.entity';
import { KmsAliasEntity, KmsKeyEntity, KmsKeyMaterialEntity } from '../kms/entities/kms.entities';
import { UploadEntity } from '../uploads/entities/upload.entity';

/**
 * One entity per table, describing the schema the migrations create: columns, keys, foreign
 * keys, indices and checks, under the names the migrations gave them. The schema-drift spec
 * (test/schema.e2e-spec.ts) holds the two to each other.
 */
export const ALL_ENTITIES = [
  RepositoryEntity,
  RepositoryCreationTemplateEntity,
  StorageObjectEntity,
  BlobChunkEntity,
  UploadEntity,
  BlobEntity,
  LayerEntity,
  ImageEntity,
  ImageTagEntity,
  ImageLayerEntity,
  ImageChildEntity,
  ServiceSecretEntity,
  AccountEntity,
  AccessKeyEntity,
  MasterKeyCheckEntity,
  LifecyclePolicyEntity,
  LifecyclePolicyPreviewEntity,
  GcLayerReviewEntity,
  GcBlobReviewEntity,
  GcStorageReviewEntity,
  GcReconciliationEntity,
  GcRunEntity,
  RegistrySettingsEntity,
  AccountSettingEntity,
  PullTimeUpdateExclusionEntity,
  RepositoryPolicyEntity,
  KmsKeyEntity,
  KmsKeyMaterialEntity,
  KmsAliasEntity,
];
