import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { StsDoor } from './sts.door';

/** The STS query-protocol front door (`GetCallerIdentity`), on the same port as the ECR API. */
@Module({
  imports: [AuthModule],
  providers: [StsDoor],
  exports: [StsDoor],
})
export class StsModule {}
