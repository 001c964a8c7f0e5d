import { RepositoryEntity } from '../repositories/entities/repository.entity';

/** Every TypeORM entity of the service. */
export const ALL_ENTITIES = [RepositoryEntity];
