import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { GarbageCollectorService } from './garbage-collector.service';
import { GcRepository } from './gc.repository';
import { GcScheduler } from './gc.scheduler';
import { StorageAccountingService } from './storage-accounting.service';

/** Garbage collection of layers, blobs and their bytes, and the accounting of stored bytes. */
@Module({
  imports: [MetricsModule, RepositoriesModule],
  providers: [GarbageCollectorService, GcRepository, GcScheduler, StorageAccountingService],
  exports: [GarbageCollectorService, StorageAccountingService],
})
export class GcModule {}
