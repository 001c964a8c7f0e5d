import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KmsModule } from '../kms/kms.module';
import { KmsDoor } from './kms.door';
import { KmsOperations } from './kms-operations';

/** The AWS KMS protocol's front door, on the same port as the ECR API. */
@Module({
  imports: [AuthModule, KmsModule],
  providers: [KmsDoor, KmsOperations],
  exports: [KmsDoor],
})
export class KmsDoorModule {}
