import { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import 'reflect-metadata';
import { setupAdminDocs } from './admin/admin-docs';
import { AppModule } from './app.module';
import { ProblemJsonFilter } from './common/problem-json.filter';
import { AppConfig } from './config/app-config';
import { createRootLogger, PinoNestLogger, ROOT_LOGGER } from './logging/logger';
import { RequestLogMiddleware } from './logging/request-log.middleware';
import { MetricsMiddleware } from './metrics/metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { OciDoor } from './oci/oci.door';
import { isStsRequest, StsDoor } from './sts/sts.door';
import { isKmsRequest, KmsDoor } from './kms-door/kms.door';
import type { NextFunction, Request, Response } from 'express';

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
  // Idle keep-alive connections stay open longer than load balancers keep theirs (60 s for nginx
  // and AWS ALB by default), so that a balancer or client never sends a request down a connection
  // Berth is closing at that moment (the sender sees EPIPE or ECONNRESET).
  const server: Server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Node's own bound on a whole request (300 s by default): the ECR door cuts a body that waits
  // longer than BODY_QUEUE_TIMEOUT for its turn, or takes longer than BODY_TIMEOUT to arrive;
  // this only backs that up, and bounds the other routes' bodies.
  const { queueTimeoutMs, timeoutMs } = config.bodyLimits;
  server.requestTimeout = Math.max(server.headersTimeout, queueTimeoutMs + timeoutMs) + 30_000;
  app.disable('x-powered-by');
  app.set('etag', false);
  // The OCI door takes everything under /v2 ahead of Nest's routes: it streams request bodies
  // itself and answers in its own error format.
  // Counted and logged as Nest's routes are (their middleware does not run for it).
  const requestLog = new RequestLogMiddleware(app.get(ROOT_LOGGER));
  const metrics = new MetricsMiddleware(app.get(MetricsService));
  const door = app.get(OciDoor);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/v2' && !req.path.startsWith('/v2/')) return next();
    metrics.use(req, res, () => requestLog.use(req, res, () => door.handler(req, res, next)));
  });
  // STS's query protocol shares `POST /` with the ECR door: its form bodies go to their own door.
  const sts = app.get(StsDoor);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isStsRequest(req)) return next();
    metrics.use(req, res, () => requestLog.use(req, res, () => sts.handler(req, res, next)));
  });
  // KMS's calls share `POST /` too: their `X-Amz-Target` names KMS's service, not ECR's.
  const kms = app.get(KmsDoor);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isKmsRequest(req)) return next();
    metrics.use(req, res, () => requestLog.use(req, res, () => kms.handler(req, res, next)));
  });
  app.useGlobalFilters(new ProblemJsonFilter(app.get(ROOT_LOGGER)));
  setupAdminDocs(app);
  return app;
}
