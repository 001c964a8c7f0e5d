import { Global, Module } from '@nestjs/common';
import { initSha256Engine, Sha256Engine } from './sha256-state';

export const SHA256_ENGINE = Symbol('SHA256_ENGINE');

/** Digest arithmetic: the resumable SHA-256 engine, resolved once at start-up. */
@Global()
@Module({
  providers: [
    {
      provide: SHA256_ENGINE,
      useFactory: (): Promise<Sha256Engine> => initSha256Engine(),
    },
  ],
  exports: [SHA256_ENGINE],
})
export class CryptoModule {}
