import { Module } from '@nestjs/common';
import { RepositoriesService } from './repositories.service';

/** Owns repositories: their creation, description, deletion and lookup by other modules. */
@Module({
  providers: [RepositoriesService],
  exports: [RepositoriesService],
})
export class RepositoriesModule {}
