import { CreateRepositories1764403200000 } from './1764403200000-CreateRepositories';

/** Every migration, oldest first. A new migration file is added here as well. */
export const ALL_MIGRATIONS = [CreateRepositories1764403200000];
