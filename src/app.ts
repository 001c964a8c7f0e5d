import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import 'reflect-metadata';
import { setupAdminDocs } from './admin/admin-docs';
import { AppModule } from './app.module';
import { ProblemJsonFilter } from './common/problem-json.filter';
import { AppConfig } from './config/app-config';
import { createRootLogger, PinoNestLogger, ROOT_LOGGER } from './logging/logger';

/**
 * Builds the application for a configuration whose database URL is resolved. Shared by `main.ts`
 * and the tests, so that tests drive exactly what production runs.
 */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // The ECR front door reads raw bodies itself (size limit, and the exact bytes for SigV4).
    bodyParser: false,
    logger: new PinoNestLogger(createRootLogger(config.logLevel)),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.useGlobalFilters(new ProblemJsonFilter(app.get(ROOT_LOGGER)));
  setupAdminDocs(app);
  return app;
}
