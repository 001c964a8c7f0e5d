import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RequestBodies } from './request-bodies';

/** The admission of request bodies into this instance's memory, one for both front doors. */
@Global()
@Module({
  providers: [
    {
      provide: RequestBodies,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RequestBodies => new RequestBodies(config.bodyLimits),
    },
  ],
  exports: [RequestBodies],
})
export class RequestBodiesModule {}
