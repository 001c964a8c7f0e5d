import { CreateRepositories1764403200000 } from './1764403200000-CreateRepositories';
import { CreateUploadsAndLayers1764406800000 } from './1764406800000-CreateUploadsAndLayers';
import { CreateImages1764410400000 } from './1764410400000-CreateImages';
import { CreateAccounts1764414000000 } from './1764414000000-CreateAccounts';
import { DropBlobsLastUsedAt1764417600000 } from './1764417600000-DropBlobsLastUsedAt';
import { CreateLifecyclePolicies1764421200000 } from './1764421200000-CreateLifecyclePolicies';
import { EmptyBlobs1764424800000 } from './1764424800000-EmptyBlobs';
import { ImageSubjects1764428400000 } from './1764428400000-ImageSubjects';
import { ImageSizeWithConfig1764900000000 } from './1764900000000-ImageSizeWithConfig';
import { ImagePullTime1764903600000 } from './1764903600000-ImagePullTime';
import { ImageLayerMediaTypes1764907200000 } from './1764907200000-ImageLayerMediaTypes';
import { ImageManifestSha5121764910800000 } from './1764910800000-ImageManifestSha512';
import { LayerChangeNotifications1764914400000 } from './1764914400000-LayerChangeNotifications';
import { AccessKeyDeactivations1764925200000 } from './1764925200000-AccessKeyDeactivations';
import { TagMutabilityExclusionFilters1764928800000 } from './1764928800000-TagMutabilityExclusionFilters';
import { CreateRepositoryPolicies1765000000000 } from './1765000000000-CreateRepositoryPolicies';
import { RegistrySettings1765100000000 } from './1765100000000-RegistrySettings';
import { RepositoryCreationTemplates1765200000000 } from './1765200000000-RepositoryCreationTemplates';
import { S3StorageObjects1765300000000 } from './1765300000000-S3StorageObjects';
import { GcReviewQueues1765400000000 } from './1765400000000-GcReviewQueues';
import { GcRuns1765460000000 } from './1765460000000-GcRuns';
import { KmsKeys1765500000000 } from './1765500000000-KmsKeys';

/** Every migration, oldest first. A new migration file is added here as well. */
export const ALL_MIGRATIONS = [
  CreateRepositories1764403200000,
  CreateUploadsAndLayers1764406800000,
  CreateImages1764410400000,
  CreateAccounts1764414000000,
  DropBlobsLastUsedAt1764417600000,
  CreateLifecyclePolicies1764421200000,
  EmptyBlobs1764424800000,
  ImageSubjects1764428400000,
  ImageSizeWithConfig1764900000000,
  ImagePullTime1764903600000,
  ImageLayerMediaTypes1764907200000,
  ImageManifestSha5121764910800000,
  LayerChangeNotifications1764914400000,
  AccessKeyDeactivations1764925200000,
  TagMutabilityExclusionFilters1764928800000,
  CreateRepositoryPolicies1765000000000,
  RegistrySettings1765100000000,
  RepositoryCreationTemplates1765200000000,
  S3StorageObjects1765300000000,
  GcReviewQueues1765400000000,
  GcRuns1765460000000,
  KmsKeys1765500000000,
];
