import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger';
import { RequestLogLocals } from '../logging/request-log.middleware';

/**
 * The global filter for everything that is not the ECR API (health, unknown routes, and the admin
 * API): RFC 9457 `application/problem+json`. Unexpected errors are logged, never described.
 */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const locals = res.locals as RequestLogLocals;
    let status = 500;
    let title = 'Internal Server Error';
    let detail: string | undefined = 'An internal error occurred.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const response = exception.getResponse();
      title = exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
      detail =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : Array.isArray((response as { message?: unknown }).message)
              ? (response as { message: string[] }).message.join('; ')
              : exception.message;
    } else {
      this.logger.error({ requestId: locals.requestId, err: exception }, 'unexpected failure');
    }
    locals.errorName = title;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'about:blank',
          title,
          status,
          detail,
          instance: req.originalUrl,
          requestId: locals.requestId,
        }),
      );
  }
}
