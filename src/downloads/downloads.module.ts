import { Module } from '@nestjs/common';
import { LayersModule } from '../layers/layers.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { DownloadExceptionFilter } from './download-exception.filter';
import { DownloadsController } from './downloads.controller';
import { DownloadsService } from './downloads.service';

/** Signed layer download URLs, and the endpoint they point at. */
@Module({
  imports: [RepositoriesModule, LayersModule],
  controllers: [DownloadsController],
  providers: [DownloadsService, DownloadExceptionFilter],
  exports: [DownloadsService],
})
export class DownloadsModule {}
