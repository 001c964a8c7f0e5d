import { Module } from '@nestjs/common';
import { ImagesModule } from '../images/images.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { RegistrySettingsRepository } from './registry-settings.repository';
import { RegistrySettingsService } from './registry-settings.service';

/**
 * A registry's own settings: replication, scanning and signing configurations, its registry
 * policy, account settings (BLOB_MOUNTING among them) and pull time update exclusions.
 */
@Module({
  imports: [RepositoriesModule, ImagesModule],
  providers: [RegistrySettingsService, RegistrySettingsRepository],
  exports: [RegistrySettingsService],
})
export class RegistrySettingsModule {}
