import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { createRootLogger, ROOT_LOGGER } from './logger';
import { RequestLogMiddleware } from './request-log.middleware';

@Global()
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Logger => createRootLogger(config.logLevel),
    },
    RequestLogMiddleware,
  ],
  exports: [ROOT_LOGGER, RequestLogMiddleware],
})
export class LoggingModule {}
