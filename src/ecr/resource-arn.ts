import { accessDenied } from '../auth/auth.errors';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { REGISTRY_ID_PATTERN, REPOSITORY_NAME_PATTERN } from '../common/patterns';
import type { EcrCallContext } from './ecr-call-context';

const ACCOUNT = new RegExp(`^${REGISTRY_ID_PATTERN}$`);
const REPOSITORY_NAME = new RegExp(`^(?:${REPOSITORY_NAME_PATTERN})$`);
const REPOSITORY_PREFIX = 'repository/';

/** The repository a resource ARN names. */
export interface RepositoryArn {
  registryId: string;
  repositoryName: string;
}

function invalidArn(): InvalidParameterException {
  return InvalidParameterException.constraint('resourceArn', 'Invalid ARN');
}

/**
 * The repository of `arn:aws:ecr:<region>:<account>:repository/<name>`, the only resource ECR
 * tags. Anything else is `InvalidParameterException` (moto's wording of ECR's answer): a string
 * that is no ARN, another partition, service or region than Berth's (a repository of another
 * region is not here to tag), another resource type (a creation template included: ECR's model
 * says a repository is the only taggable resource). An ARN of another account is
 * `AccessDeniedException`, as a call naming another registry is, whether or not that repository
 * exists; a missing repository of the caller's is `RepositoryNotFoundException`, later, where
 * the repository is looked up.
 */
export function repositoryOfArn(
  arn: string,
  operation: string,
  region: string,
  ctx: EcrCallContext,
): RepositoryArn {
  const parts = arn.split(':');
  if (parts.length !== 6) throw invalidArn();
  const [scheme, partition, service, arnRegion, account, resource] = parts;
  if (scheme !== 'arn' || partition !== 'aws' || service !== 'ecr' || arnRegion !== region) {
    throw invalidArn();
  }
  if (!ACCOUNT.test(account) || !resource.startsWith(REPOSITORY_PREFIX)) throw invalidArn();
  const repositoryName = resource.slice(REPOSITORY_PREFIX.length);
  if (
    repositoryName.length < 2 ||
    repositoryName.length > 256 ||
    !REPOSITORY_NAME.test(repositoryName)
  ) {
    throw invalidArn();
  }
  if (account !== ctx.registryId) {
    throw accessDenied(ctx.accountId, ctx.accessKeyId, operation, arn);
  }
  return { registryId: account, repositoryName };
}
