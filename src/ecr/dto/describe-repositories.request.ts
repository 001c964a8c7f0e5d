import { RegistryScopedRequest } from './repository-scoped.request';
import {
  IntegerMember,
  Length,
  ListMember,
  Optional,
  Pattern,
  Range,
  StringMember,
} from '../../common/validation/ecr-constraints';
import { REPOSITORY_NAME_PATTERN } from '../../common/patterns';

export class DescribeRepositoriesRequest extends RegistryScopedRequest {
  @Optional()
  @ListMember(1, 100, 'string')
  @Length(2, 256, true)
  @Pattern(REPOSITORY_NAME_PATTERN, true)
  repositoryNames?: string[];

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;
}
