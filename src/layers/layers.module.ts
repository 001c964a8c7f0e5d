import { Module } from '@nestjs/common';
import { LayersRepository } from './layers.repository';
import { LayersService } from './layers.service';

/** Layers per repository, their availability, and the content-addressed blobs behind them. */
@Module({
  providers: [LayersService, LayersRepository],
  exports: [LayersService],
})
export class LayersModule {}
