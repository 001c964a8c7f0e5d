import { RepositoryScopedRequest } from './repository-scoped.request';
import {
  BooleanMember,
  Length,
  Optional,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';

/** The model's `RepositoryPolicyText`: 0 to 10,240 characters. */
const POLICY_MAX = 10240;

export class SetRepositoryPolicyRequest extends RepositoryScopedRequest {
  @Required()
  @StringMember()
  @Length(0, POLICY_MAX)
  policyText!: string;

  @Optional()
  @BooleanMember()
  force?: boolean;
}

export class GetRepositoryPolicyRequest extends RepositoryScopedRequest {}

export class DeleteRepositoryPolicyRequest extends RepositoryScopedRequest {}
