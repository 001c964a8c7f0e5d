import { Module } from '@nestjs/common';
import { LayersModule } from '../layers/layers.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { UploadPurgeScheduler } from './upload-purge.scheduler';
import { UploadsService } from './uploads.service';

/** Upload sessions: InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, and their purge. */
@Module({
  imports: [RepositoriesModule, LayersModule, MetricsModule],
  providers: [UploadsService, UploadPurgeScheduler],
  exports: [UploadsService],
})
export class UploadsModule {}
