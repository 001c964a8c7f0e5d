import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from './logger';

/** What a handler may tell the request log; never a body, blob or secret. */
export interface RequestLogLocals {
  requestId: string;
  operation?: string;
  errorName?: string;
  /** The authenticated caller (either door's): who did it, for the log (never the secret). */
  accountId?: string;
  accessKeyId?: string;
}

/**
 * Gives every request an id, sent back as `x-amzn-RequestId` (where botocore and the JS SDK read
 * it), and writes one JSON line per request when its response has been sent.
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const locals = res.locals as RequestLogLocals;
    locals.requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', locals.requestId);
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      this.logger.info(
        {
          requestId: locals.requestId,
          method: req.method,
          path: req.path,
          operation: locals.operation,
          status: res.statusCode,
          errorName: locals.errorName,
          accountId: locals.accountId,
          accessKeyId: locals.accessKeyId,
          durationMs: Math.round(durationMs * 100) / 100,
        },
        'request',
      );
    });
    next();
  }
}
