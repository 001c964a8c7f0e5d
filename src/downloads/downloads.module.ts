import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { DownloadsController } from './downloads.controller';
import { DownloadsService } from './downloads.service';

/** GetDownloadUrlForLayer and the endpoint its signed URLs point at. */
@Module({
  imports: [AuthModule, RepositoriesModule],
  controllers: [DownloadsController],
  providers: [DownloadsService],
})
export class DownloadsModule {}
