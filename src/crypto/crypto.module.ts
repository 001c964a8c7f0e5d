import { Global, Module } from '@nestjs/common';
import { initSha256Engine, Sha256Engine } from './sha256-state';
import { initSha512Engine, Sha512Engine } from './sha512-state';
import { CryptoRepository } from './crypto.repository';
import { MasterKeyService } from './master-key.service';
import { SigningKeyService } from './signing-key.service';

export const SHA256_ENGINE = Symbol('SHA256_ENGINE');
export const SHA512_ENGINE = Symbol('SHA512_ENGINE');

/**
 * Digest arithmetic (the resumable SHA-256 and SHA-512 engines), the master key that seals secrets at rest, and
 * the HMAC signing of URLs and tokens.
 */
@Global()
@Module({
  providers: [
    {
      provide: SHA256_ENGINE,
      useFactory: (): Promise<Sha256Engine> => initSha256Engine(),
    },
    {
      provide: SHA512_ENGINE,
      useFactory: (): Promise<Sha512Engine> => initSha512Engine(),
    },
    CryptoRepository,
    MasterKeyService,
    SigningKeyService,
  ],
  exports: [SHA256_ENGINE, SHA512_ENGINE, MasterKeyService, SigningKeyService],
})
export class CryptoModule {}
