import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { RegistryException, ServerException } from '../common/errors/registry-exception';
import { ROOT_LOGGER } from '../logging/logger';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { DOWNLOAD_ERROR_STATUS } from './download-error-map';

/**
 * The one mapping of the download endpoint's errors: the ECR error JSON, with statuses from
 * `DOWNLOAD_ERROR_STATUS`. Anything unexpected is a `ServerException`, its cause logged, never
 * sent.
 */
@Catch()
export class DownloadExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const locals = res.locals as RequestLogLocals;
    let error: RegistryException;
    if (exception instanceof RegistryException) {
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
    res
      .status(DOWNLOAD_ERROR_STATUS[error.name])
      .json({ __type: error.name, message: error.message });
  }
}
