import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GcModule } from '../gc/gc.module';
import { ImagesModule } from '../images/images.module';
import { LayersModule } from '../layers/layers.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { UploadsModule } from '../uploads/uploads.module';
import { AccessKeysController } from './access-keys.controller';
import { AccountsController } from './accounts.controller';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminJsonMiddleware } from './admin-json.middleware';
import { AdminRegistryService } from './admin-registry.service';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminTokenService } from './admin-token.service';
import {
  MaintenanceController,
  RepositoriesAdminController,
  UploadsAdminController,
} from './registry.controller';

const CONTROLLERS = [
  AccountsController,
  AccessKeysController,
  RepositoriesAdminController,
  UploadsAdminController,
  MaintenanceController,
];

/**
 * The admin REST API under /admin/v1: accounts, access keys, repositories, uploads, maintenance.
 * JSON, behind a bearer token, errors as application/problem+json, documented at /admin/docs.
 */
@Module({
  imports: [
    AuthModule,
    GcModule,
    RepositoriesModule,
    LayersModule,
    ImagesModule,
    UploadsModule,
    LifecycleModule,
  ],
  controllers: CONTROLLERS,
  providers: [AdminTokenService, AdminTokenGuard, AdminExceptionFilter, AdminRegistryService],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminJsonMiddleware).forRoutes(...CONTROLLERS);
  }
}
