import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { DownloadsController } from './downloads.controller';
import { DownloadsService } from './downloads.service';

/** GetDownloadUrlForLayer and the endpoint its signed URLs point at. */
@Module({
  imports: [RepositoriesModule],
  controllers: [DownloadsController],
  providers: [DownloadsService],
})
export class DownloadsModule {}
