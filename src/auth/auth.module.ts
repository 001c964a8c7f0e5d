import { Module } from '@nestjs/common';
import { AccessKeysService } from './access-keys.service';
import { AccountsService } from './accounts.service';
import { AuthRepository } from './auth.repository';
import { BootstrapService } from './bootstrap.service';
import { EcrAuthenticator } from './ecr-authenticator.service';

/** Accounts, their access keys (sealed under the master key), and SigV4 authentication. */
@Module({
  providers: [
    AuthRepository,
    AccountsService,
    AccessKeysService,
    EcrAuthenticator,
    BootstrapService,
  ],
  exports: [AccountsService, AccessKeysService, EcrAuthenticator],
})
export class AuthModule {}
