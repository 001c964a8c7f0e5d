import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { DownloadsModule } from '../downloads/downloads.module';
import { ImagesModule } from '../images/images.module';
import { LayersModule } from '../layers/layers.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RegistrySettingsModule } from '../registry-settings/registry-settings.module';
import { PoliciesModule } from '../policies/policies.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { TemplatesModule } from '../templates/templates.module';
import { TokensModule } from '../tokens/tokens.module';
import { UploadsModule } from '../uploads/uploads.module';
import { EcrController } from './ecr.controller';
import { EcrExceptionFilter } from './ecr-exception.filter';
import { EcrOperationsRegistry } from './ecr-operations.registry';
import { ImagesOperations } from './operations/images.operations';
import { LayersOperations } from './operations/layers.operations';
import { LifecycleOperations } from './operations/lifecycle.operations';
import { RegistrySettingsOperations } from './operations/registry-settings.operations';
import { RepositoriesOperations } from './operations/repositories.operations';
import { RepositoryPolicyOperations } from './operations/repository-policy.operations';
import { TagsOperations } from './operations/tags.operations';
import { TemplatesOperations } from './operations/templates.operations';
import { TokensOperations } from './operations/tokens.operations';
import { UploadsOperations } from './operations/uploads.operations';

/**
 * The ECR JSON front door: SigV4 authentication, the body, then dispatch to one thin handler per
 * operation (`operations/`), each calling the domain modules.
 */
@Module({
  imports: [
    DiscoveryModule,
    AuthModule,
    RepositoriesModule,
    UploadsModule,
    LayersModule,
    ImagesModule,
    DownloadsModule,
    TokensModule,
    LifecycleModule,
    TemplatesModule,
    RegistrySettingsModule,
    PoliciesModule,
  ],
  controllers: [EcrController],
  providers: [
    EcrOperationsRegistry,
    EcrExceptionFilter,
    RepositoriesOperations,
    UploadsOperations,
    LayersOperations,
    ImagesOperations,
    TokensOperations,
    LifecycleOperations,
    TagsOperations,
    TemplatesOperations,
    RegistrySettingsOperations,
    RepositoryPolicyOperations,
  ],
  exports: [EcrOperationsRegistry],
})
export class EcrModule {}
