import { CreateRepositories1764403200000 } from './1764403200000-CreateRepositories';
import { CreateUploadsAndLayers1764406800000 } from './1764406800000-CreateUploadsAndLayers';
import { CreateImages1764410400000 } from './1764410400000-CreateImages';
import { CreateAccounts1764414000000 } from './1764414000000-CreateAccounts';
import { EmptyBlobs1764417600000 } from './1764417600000-EmptyBlobs';
import { ImageSubjects1764421200000 } from './1764421200000-ImageSubjects';

/** Every migration, oldest first. A new migration file is added here as well. */
export const ALL_MIGRATIONS = [
  CreateRepositories1764403200000,
  CreateUploadsAndLayers1764406800000,
  CreateImages1764410400000,
  CreateAccounts1764414000000,
  EmptyBlobs1764417600000,
  ImageSubjects1764421200000,
];
