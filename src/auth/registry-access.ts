import { accessDenied } from './auth.errors';
import { Caller } from './ecr-authenticator.service';

/**
 * The registry a call acts on: the caller's own account, whether or not the input names it. An
 * input naming any other registry (`registryId`) is refused with AccessDeniedException, the same
 * whether that registry exists or not.
 *
 * GetAuthorizationToken's `registryIds` is no such naming: ECR has deprecated the member, and
 * "specifying a registry ID doesn't change the permissions scope of the authorization token"
 * (the SDKs' model documentation). ECR answers one authorizationData per id, each token acting
 * as the caller; so does Berth, whose tokens always claim the caller's account. What a token
 * then reaches stays governed by the checks of every call, as for any of the caller's requests.
 */
export function authorizeRegistry(
  caller: Caller,
  operation: string,
  input: object,
  region: string,
): string {
  const { registryId, repositoryName } = input as {
    registryId?: unknown;
    repositoryName?: unknown;
  };
  if (typeof registryId === 'string' && registryId !== caller.accountId) {
    const resource = typeof repositoryName === 'string' ? repositoryName : '*';
    throw accessDenied(
      caller.accountId,
      caller.accessKeyId,
      operation,
      `arn:aws:ecr:${region}:${registryId}:repository/${resource}`,
    );
  }
  return caller.accountId;
}
