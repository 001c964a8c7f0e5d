import { Module } from '@nestjs/common';
import { GcModule } from '../gc/gc.module';
import { RepositoriesRepository } from './repositories.repository';
import { RepositoriesService } from './repositories.service';

/** Owns repositories: their creation, description, deletion and lookup by other modules. */
@Module({
  imports: [GcModule],
  providers: [RepositoriesService, RepositoriesRepository],
  exports: [RepositoriesService],
})
export class RepositoriesModule {}
