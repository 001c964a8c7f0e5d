import {
  Length,
  Optional,
  Pattern,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import { REGISTRY_ID_PATTERN, REPOSITORY_NAME_PATTERN } from '../../common/patterns';

/** The `registryId` every operation takes. */
export abstract class RegistryScopedRequest {
  @Optional()
  @StringMember()
  @Pattern(REGISTRY_ID_PATTERN)
  registryId?: string;
}

/** `registryId` and the required `repositoryName` of the operations on one repository. */
export abstract class RepositoryScopedRequest extends RegistryScopedRequest {
  @Required()
  @StringMember()
  @Length(2, 256)
  @Pattern(REPOSITORY_NAME_PATTERN)
  repositoryName!: string;
}
