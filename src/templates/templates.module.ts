import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { PoliciesModule } from '../policies/policies.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** Repository creation templates, and repositories created from them. */
@Module({
  imports: [RepositoriesModule, LifecycleModule, PoliciesModule],
  providers: [TemplatesService, TemplatesRepository],
  exports: [TemplatesService],
})
export class TemplatesModule {}
