import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RateLimits } from './rate-limits';

/** The request-rate buckets of this instance, one set for both front doors. */
@Global()
@Module({
  providers: [
    {
      provide: RateLimits,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RateLimits => new RateLimits(config.rateLimits),
    },
  ],
  exports: [RateLimits],
})
export class RateLimitsModule {}
