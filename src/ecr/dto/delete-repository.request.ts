import { RepositoryScopedRequest } from './repository-scoped.request';
import { BooleanMember, Optional } from '../../common/validation/ecr-constraints';

export class DeleteRepositoryRequest extends RepositoryScopedRequest {
  @Optional()
  @BooleanMember()
  force?: boolean;
}
