import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ImagesModule } from '../images/images.module';
import { LayersModule } from '../layers/layers.module';
import { PoliciesModule } from '../policies/policies.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { TemplatesModule } from '../templates/templates.module';
import { TokensModule } from '../tokens/tokens.module';
import { UploadsModule } from '../uploads/uploads.module';
import { OciDoor } from './oci.door';

/** The OCI Distribution API front door (`/v2`), over the same domain modules as the ECR door. */
@Module({
  imports: [
    AuthModule,
    RepositoriesModule,
    UploadsModule,
    LayersModule,
    ImagesModule,
    TokensModule,
    TemplatesModule,
    PoliciesModule,
  ],
  providers: [OciDoor],
  exports: [OciDoor],
})
export class OciModule {}
