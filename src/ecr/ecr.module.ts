import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { EcrController } from './ecr.controller';
import { EcrExceptionFilter } from './ecr-exception.filter';
import { EcrOperationsRegistry } from './ecr-operations.registry';

/**
 * The protocol front door: SigV4 authentication, then dispatch. Feature modules only mark their
 * handlers with `@EcrOperation`.
 */
@Module({
  imports: [DiscoveryModule, AuthModule],
  controllers: [EcrController],
  providers: [EcrOperationsRegistry, EcrExceptionFilter],
  exports: [EcrOperationsRegistry],
})
export class EcrModule {}
