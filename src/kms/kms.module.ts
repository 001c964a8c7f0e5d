import { Module } from '@nestjs/common';
import { KmsRepository } from './kms.repository';
import { KmsService } from './kms.service';
import { RepositoryKeys } from './repository-keys';

/** The built-in key service: accounts' KMS keys and aliases, and encryption under them. */
@Module({
  providers: [KmsRepository, KmsService, RepositoryKeys],
  exports: [KmsService, RepositoryKeys],
})
export class KmsModule {}
