import {
  Length,
  ListMember,
  Optional,
  Pattern,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import {
  REGISTRY_ID_PATTERN,
  REPOSITORY_NAME_PATTERN,
} from '../../repositories/dto/repository-name';

export class BatchCheckLayerAvailabilityRequest {
  @Optional()
  @StringMember()
  @Pattern(REGISTRY_ID_PATTERN)
  registryId?: string;

  @Required()
  @StringMember()
  @Length(2, 256)
  @Pattern(REPOSITORY_NAME_PATTERN)
  repositoryName!: string;

  /** Malformed and empty digests are answered in `failures`, not refused. */
  @Required()
  @ListMember(1, 100, 'string')
  @Length(0, 1000, true)
  layerDigests!: string[];
}
