import { Module } from '@nestjs/common';
import { TokensService } from './tokens.service';

/** Registry tokens (GetAuthorizationToken) and their verification. */
@Module({
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
