import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AdminModule } from './admin.module';

export const ADMIN_DOCS_PATH = 'admin/docs';
export const ADMIN_OPENAPI_PATH = 'admin/openapi.json';

/**
 * The OpenAPI document of the admin API (admin routes only: the ECR API is Amazon's) at
 * /admin/openapi.json, and Swagger UI at /admin/docs. Neither needs the token: they describe the
 * API, they reveal nothing of its data.
 */
export function setupAdminDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Berth admin API')
    .setDescription(
      'Operate Berth without psql: accounts and their access keys, repositories, uploads in ' +
        'progress, maintenance. Every route needs `Authorization: Bearer <ADMIN_TOKEN>`; errors ' +
        'are `application/problem+json` (RFC 9457); lists page with `limit` and `cursor`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin-token')
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [AdminModule] });
  SwaggerModule.setup(ADMIN_DOCS_PATH, app, document, {
    jsonDocumentUrl: ADMIN_OPENAPI_PATH,
    raw: ['json'],
  });
}
