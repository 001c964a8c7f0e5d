import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TokensService } from './tokens.service';

/** Registry tokens (GetAuthorizationToken) and their verification. */
@Module({
  imports: [AuthModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
