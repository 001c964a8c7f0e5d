import { applyDecorators, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminTokenGuard } from './admin-token.guard';
import { Problem } from './dto/common.dto';

/** The schema of an `application/problem+json` answer, for the OpenAPI document. */
export const problemContent = {
  'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } },
};

/** Path, query and body DTOs: unknown members are refused, not ignored. */
const validation = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
});

/**
 * What every admin controller shares: the bearer token, DTO validation, problem+json errors, and
 * their description in the OpenAPI document.
 */
export function AdminApi(): ClassDecorator {
  return applyDecorators(
    UseGuards(AdminTokenGuard),
    UsePipes(validation),
    UseFilters(AdminExceptionFilter),
    ApiBearerAuth('admin-token'),
    ApiExtraModels(Problem),
    ApiUnauthorizedResponse({
      description: 'No admin token, or a wrong one',
      content: problemContent,
    }),
    ApiBadRequestResponse({ description: 'A parameter is not valid', content: problemContent }),
  );
}
