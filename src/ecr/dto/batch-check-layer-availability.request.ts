import { RepositoryScopedRequest } from './repository-scoped.request';
import { Length, ListMember, Required } from '../../common/validation/ecr-constraints';

export class BatchCheckLayerAvailabilityRequest extends RepositoryScopedRequest {
  /** Malformed and empty digests are answered in `failures`, not refused. */
  @Required()
  @ListMember(1, 100, 'string')
  @Length(0, 1000, true)
  layerDigests!: string[];
}
