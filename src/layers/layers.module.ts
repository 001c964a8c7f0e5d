import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LayerCache } from './layer-cache';
import { LayerChangeListener } from './layer-change.listener';
import { LayersRepository } from './layers.repository';
import { LayersService } from './layers.service';

/** Layers per repository, their availability, and the content-addressed blobs behind them. */
@Module({
  providers: [
    LayersService,
    LayersRepository,
    LayerChangeListener,
    {
      provide: LayerCache,
      inject: [APP_CONFIG],
      // Suspended until the listener hears changes.
      useFactory: (config: AppConfig) =>
        new LayerCache(config.layerCacheMs, undefined, { suspended: true }),
    },
  ],
  exports: [LayersService],
})
export class LayersModule {}
