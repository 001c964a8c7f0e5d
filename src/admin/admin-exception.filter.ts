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
import { ProblemJsonFilter } from '../common/problem-json.filter';
import { isDomainError, type DomainError } from '../errors/domain-error-code';
import { adminErrorStatus } from './admin-error-map';

const HTTP_ERRORS = {
  400: BadRequestException,
  403: ForbiddenException,
  404: NotFoundException,
  409: ConflictException,
  500: InternalServerErrorException,
} as const;

/** The HTTP meaning of a domain error, for the admin API. */
export function adminHttpError(error: DomainError): HttpException {
  return new HTTP_ERRORS[adminErrorStatus(error.name)](error.message);
}

/**
 * The one mapping of the admin API's errors to `application/problem+json`: domain errors get
 * their HTTP status here, everything else is the global filter's.
 */
@Catch()
export class AdminExceptionFilter extends ProblemJsonFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(isDomainError(exception) ? adminHttpError(exception) : exception, host);
  }
}
