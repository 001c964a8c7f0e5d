import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { ApiName, MetricsService } from './metrics.service';

function apiOf(req: Request): ApiName {
  const path = req.path;
  if (path === '/' && req.method === 'POST') return 'ecr';
  if (path === '/v2' || path.startsWith('/v2/')) return 'oci';
  if (path.startsWith('/admin/')) return 'admin';
  if (path.startsWith('/layers/download')) return 'download';
  return 'other';
}

/**
 * How far each connection's bytes read had been counted. HTTP/1.1 serves one request at a time
 * per connection, so what a connection read since the previous request's end is this request:
 * its headers, and its body as far as it was read.
 */
const countedRead = new WeakMap<object, number>();

/** Counts every request once its response is over (sent, or cut short by the client). */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const socket = req.socket;
    // HTTP/1.1 serves one request at a time per connection, so the socket's counters moved by
    // this exchange alone.
    const written0 = socket.bytesWritten;
    res.once('close', () => {
      const locals = res.locals as RequestLogLocals;
      const api = apiOf(req);
      const route = (req.route as { path?: string } | undefined)?.path;
      const operation =
        api === 'ecr' || api === 'oci' || api === 'download'
          ? (locals.operation ?? 'unknown')
          : route
            ? `${req.method} ${route}`
            : 'unmatched';
      this.metrics.requests.inc({ api, operation, error: locals.errorName ?? '' });
      this.metrics.duration.observe(
        { api, operation },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      // What was read, never what a header claims: a refused body is left unread.
      const read = socket.bytesRead;
      this.metrics.received.inc({ api }, Math.max(read - (countedRead.get(socket) ?? 0), 0));
      countedRead.set(socket, read);
      this.metrics.sent.inc({ api }, Math.max(socket.bytesWritten - written0, 0));
    });
    next();
  }
}
