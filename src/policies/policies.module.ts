import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { PoliciesRepository } from './policies.repository';
import { PoliciesService } from './policies.service';

/** Repository policies: stored, validated, and evaluated for callers of other accounts. */
@Module({
  imports: [RepositoriesModule],
  providers: [PoliciesService, PoliciesRepository],
  exports: [PoliciesService],
})
export class PoliciesModule {}
