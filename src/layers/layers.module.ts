import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { LayersService } from './layers.service';

/** Layers per repository, their availability, and the content-addressed blobs behind them. */
@Module({
  imports: [RepositoriesModule],
  providers: [LayersService],
  exports: [LayersService],
})
export class LayersModule {}
