import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EcrModule } from './ecr/ecr.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { RequestLogMiddleware } from './logging/request-log.middleware';
import { CryptoModule } from './crypto/crypto.module';
import { LayersModule } from './layers/layers.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { StorageModule } from './storage/storage.module';
import { UploadsModule } from './uploads/uploads.module';
import { DownloadsModule } from './downloads/downloads.module';
import { ImagesModule } from './images/images.module';
import { TokensModule } from './tokens/tokens.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { MetricsModule } from './metrics/metrics.module';
import { OciModule } from './oci/oci.module';
import { ConsoleModule } from './console/console.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { RequestBodiesModule } from './request-bodies/request-bodies.module';
import { StsModule } from './sts/sts.module';
import { KmsDoorModule } from './kms-door/kms-door.module';

@Module({})
export class AppModule implements NestModule {
  /** `config` has its database URL resolved (external, or the embedded server's). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        HealthModule,
        CryptoModule,
        StorageModule,
        RepositoriesModule,
        LayersModule,
        UploadsModule,
        ImagesModule,
        DownloadsModule,
        TokensModule,
        AuthModule,
        RateLimitsModule,
        RequestBodiesModule,
        EcrModule,
        AdminModule,
        MetricsModule,
        OciModule,
        ConsoleModule,
        StsModule,
        KmsDoorModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLogMiddleware).forRoutes('*');
  }
}
