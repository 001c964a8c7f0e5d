import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ImagesModule } from '../images/images.module';
import { LayersModule } from '../layers/layers.module';
import { PoliciesModule } from '../policies/policies.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { DownloadExceptionFilter } from './download-exception.filter';
import { DownloadsController } from './downloads.controller';
import { DownloadsService } from './downloads.service';

/** Signed layer download URLs, and the endpoint they point at. */
@Module({
  imports: [AuthModule, RepositoriesModule, LayersModule, ImagesModule, PoliciesModule],
  controllers: [DownloadsController],
  providers: [DownloadsService, DownloadExceptionFilter],
  exports: [DownloadsService],
})
export class DownloadsModule {}
