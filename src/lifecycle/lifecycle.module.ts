import { Module } from '@nestjs/common';
import { GcModule } from '../gc/gc.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { LifecycleRepository } from './lifecycle.repository';
import { LifecycleScheduler } from './lifecycle.scheduler';
import { LifecycleService } from './lifecycle.service';

/** Lifecycle policies of repositories: stored, previewed, and evaluated on every instance. */
@Module({
  imports: [GcModule, RepositoriesModule],
  providers: [LifecycleService, LifecycleRepository, LifecycleScheduler],
  exports: [LifecycleService],
})
export class LifecycleModule {}
