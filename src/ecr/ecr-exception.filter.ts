import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ServerException } from '../common/errors/registry-exception';
import { isDomainError } from '../errors/domain-error-code';
import { ROOT_LOGGER } from '../logging/logger';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { EcrProtocolException } from './ecr.errors';
import { EcrError, sendEcrError } from './ecr-wire';

/**
 * The one mapping from errors to the ECR error JSON (statuses in `ecrErrorStatus`). A domain
 * error or the door's own is sent as it is;
 * anything else becomes a `ServerException` with a generic message, its cause logged under the
 * request id and never sent.
 */
@Catch()
export class EcrExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const locals = res.locals as RequestLogLocals;
    let error: EcrError;
    if (isDomainError(exception) || exception instanceof EcrProtocolException) {
      error = exception;
    } else {
      const context = { requestId: locals.requestId, operation: locals.operation, err: exception };
      // A client that hung up in the middle of its body is no failure of Berth's.
      if (res.req.destroyed && !res.req.complete) {
        this.logger.info(context, 'the client went away before its request had arrived');
      } else {
        this.logger.error(context, 'unexpected failure');
      }
      error = new ServerException();
    }
    locals.errorName = error.name;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendEcrError(res, error);
  }
}
