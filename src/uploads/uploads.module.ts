import { Module } from '@nestjs/common';
import { LayersModule } from '../layers/layers.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RegistrySettingsModule } from '../registry-settings/registry-settings.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { UploadPurgeScheduler } from './upload-purge.scheduler';
import { UploadsRepository } from './uploads.repository';
import { UploadsService } from './uploads.service';

/** Upload sessions: their parts, their completion into layers, and their purge. */
@Module({
  imports: [RepositoriesModule, LayersModule, MetricsModule, RegistrySettingsModule],
  providers: [UploadsService, UploadsRepository, UploadPurgeScheduler],
  exports: [UploadsService],
})
export class UploadsModule {}
