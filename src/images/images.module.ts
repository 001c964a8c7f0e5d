import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ImagesService } from './images.service';

/** Images: PutImage, BatchGetImage, DescribeImages, ListImages, BatchDeleteImage. */
@Module({
  imports: [RepositoriesModule],
  providers: [ImagesService],
  exports: [ImagesService],
})
export class ImagesModule {}
