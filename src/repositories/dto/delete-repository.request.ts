import {
  BooleanMember,
  Length,
  Optional,
  Pattern,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import { REGISTRY_ID_PATTERN, REPOSITORY_NAME_PATTERN } from './repository-name';

export class DeleteRepositoryRequest {
  @Optional()
  @StringMember()
  @Pattern(REGISTRY_ID_PATTERN)
  registryId?: string;

  @Required()
  @StringMember()
  @Length(2, 256)
  @Pattern(REPOSITORY_NAME_PATTERN)
  repositoryName!: string;

  @Optional()
  @BooleanMember()
  force?: boolean;
}
