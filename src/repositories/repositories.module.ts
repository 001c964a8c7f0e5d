import { Module } from '@nestjs/common';
import { KmsModule } from '../kms/kms.module';
import { RepositoriesRepository } from './repositories.repository';
import { RepositoriesService } from './repositories.service';
import { RepositoryDeletions } from './repository-deletions';

/** Owns repositories: their creation, description, deletion and lookup by other modules. */
@Module({
  imports: [KmsModule],
  providers: [RepositoriesService, RepositoriesRepository, RepositoryDeletions],
  exports: [RepositoriesService, RepositoryDeletions],
})
export class RepositoriesModule {}
