import { Module } from '@nestjs/common';
import { RepositoriesRepository } from './repositories.repository';
import { RepositoriesService } from './repositories.service';
import { RepositoryDeletions } from './repository-deletions';

/** Owns repositories: their creation, description, deletion and lookup by other modules. */
@Module({
  providers: [RepositoriesService, RepositoriesRepository, RepositoryDeletions],
  exports: [RepositoriesService, RepositoryDeletions],
})
export class RepositoriesModule {}
