import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';
import { RegistryException } from '../common/errors/registry-exception';
import { ProblemJsonFilter } from '../common/problem-json.filter';
import { ADMIN_ERROR_STATUS } from './admin-error-map';

const HTTP_ERRORS = {
  400: BadRequestException,
  403: ForbiddenException,
  404: NotFoundException,
  409: ConflictException,
  500: InternalServerErrorException,
} as const;

/** The HTTP meaning of a domain error, for the admin API. */
export function adminHttpError(error: RegistryException): HttpException {
  return new HTTP_ERRORS[ADMIN_ERROR_STATUS[error.name]](error.message);
}

/**
 * The one mapping of the admin API's errors to `application/problem+json`: domain errors get
 * their HTTP status here, everything else is the global filter's.
 */
@Catch()
export class AdminExceptionFilter extends ProblemJsonFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(
      exception instanceof RegistryException ? adminHttpError(exception) : exception,
      host,
    );
  }
}
