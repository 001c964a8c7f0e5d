import { Module } from '@nestjs/common';
import { LayersModule } from '../layers/layers.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ImagesRepository } from './images.repository';
import { ImagesService } from './images.service';

/** Images: manifests, their tags, and what they reference. */
@Module({
  imports: [RepositoriesModule, LayersModule],
  providers: [ImagesService, ImagesRepository],
  exports: [ImagesService],
})
export class ImagesModule {}
