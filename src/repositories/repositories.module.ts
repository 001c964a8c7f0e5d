import { Module } from '@nestjs/common';
import { RepositoriesRepository } from './repositories.repository';
import { RepositoriesService } from './repositories.service';

/** Owns repositories: their creation, description, deletion and lookup by other modules. */
@Module({
  providers: [RepositoriesService, RepositoriesRepository],
  exports: [RepositoriesService],
})
export class RepositoriesModule {}
