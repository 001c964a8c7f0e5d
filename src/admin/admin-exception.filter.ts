import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  HttpException,
  NotFoundException,
} from '@nestjs/common';
import { RegistryException } from '../common/errors/registry-exception';
import { ProblemJsonFilter } from '../common/problem-json.filter';

const NOT_FOUND = new Set([
  'NoSuchEntityException',
  'RepositoryNotFoundException',
  'UploadNotFoundException',
  'LayersNotFoundException',
  'ImageNotFoundException',
]);
const CONFLICT = new Set([
  'EntityAlreadyExistsException',
  'DeleteConflictException',
  'RepositoryAlreadyExistsException',
  'RepositoryNotEmptyException',
]);

/** The HTTP meaning of a domain error, for the admin API. */
export function adminHttpError(error: RegistryException): HttpException {
  if (NOT_FOUND.has(error.name)) return new NotFoundException(error.message);
  if (CONFLICT.has(error.name)) return new ConflictException(error.message);
  return new BadRequestException(error.message);
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
