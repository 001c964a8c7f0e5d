import { Module } from '@nestjs/common';
import { KeyEncryption } from './key-encryption';
import { KmsRepository } from './kms.repository';
import { KmsService } from './kms.service';
import { RepositoryKeys } from './repository-keys';

/** The built-in key service: accounts' KMS keys and aliases, and encryption under them. */
@Module({
  providers: [KmsRepository, KmsService, KeyEncryption, RepositoryKeys],
  exports: [KmsService, KeyEncryption, RepositoryKeys],
})
export class KmsModule {}
