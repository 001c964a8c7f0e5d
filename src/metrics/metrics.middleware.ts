import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { ApiName, MetricsService } from './metrics.service';

function apiOf(req: Request): ApiName {
  const path = req.path;
  if (path === '/' && req.method === 'POST') return 'ecr';
  if (path.startsWith('/admin/')) return 'admin';
  if (path.startsWith('/layers/download')) return 'download';
  return 'other';
}

/** Counts every request once its response is over (sent, or cut short by the client). */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const socket = req.socket;
    // HTTP/1.1 serves one request at a time per connection, so the socket's counters moved by
    // this exchange alone.
    const read0 = socket.bytesRead;
    const written0 = socket.bytesWritten;
    res.once('close', () => {
      const locals = res.locals as RequestLogLocals;
      const api = apiOf(req);
      const route = (req.route as { path?: string } | undefined)?.path;
      const operation =
        api === 'ecr' || api === 'download'
          ? (locals.operation ?? 'unknown')
          : route
            ? `${req.method} ${route}`
            : 'unmatched';
      this.metrics.requests.inc({ api, operation, error: locals.errorName ?? '' });
      this.metrics.duration.observe(
        { api, operation },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      const declared = Number(req.headers['content-length']);
      this.metrics.received.inc(
        { api },
        Number.isSafeInteger(declared) && declared >= 0
          ? declared
          : Math.max(socket.bytesRead - read0, 0),
      );
      this.metrics.sent.inc({ api }, Math.max(socket.bytesWritten - written0, 0));
    });
    next();
  }
}
