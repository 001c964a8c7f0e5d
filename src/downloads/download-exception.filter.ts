import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ServerException } from '../common/errors/registry-exception';
import { isDomainError, type DomainError } from '../errors/domain-error-code';
import { ecrErrorBody } from '../errors/ecr-error-body';
import { ROOT_LOGGER } from '../logging/logger';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { downloadErrorStatus } from './download-error-map';

/**
 * The one mapping of the download endpoint's errors: the ECR error JSON (with the shape's members,
 * such as `kmsError`), with statuses from
 * `downloadErrorStatus`. Anything unexpected is a `ServerException`, its cause logged, never
 * sent.
 */
@Catch()
export class DownloadExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const locals = res.locals as RequestLogLocals;
    let error: DomainError;
    if (isDomainError(exception)) {
      error = exception;
    } else {
      this.logger.error({ requestId: locals.requestId, err: exception }, 'unexpected failure');
      error = new ServerException();
    }
    locals.errorName = error.name;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(downloadErrorStatus(error.name)).json(ecrErrorBody(error));
  }
}
