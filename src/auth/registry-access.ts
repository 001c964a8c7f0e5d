import { accessDenied } from './auth.errors';
import { Caller } from './ecr-authenticator.service';

/**
 * The registry a call acts on: the caller's own account, whether or not the input names it. An
 * input naming any other registry (`registryId`, or each of `registryIds`) is refused with
 * AccessDeniedException, the same whether that registry exists or not.
 */
export function authorizeRegistry(
  caller: Caller,
  operation: string,
  input: object,
  region: string,
): string {
  const { registryId, registryIds, repositoryName } = input as {
    registryId?: unknown;
    registryIds?: unknown;
    repositoryName?: unknown;
  };
  const named = [
    ...(typeof registryId === 'string' ? [registryId] : []),
    ...(Array.isArray(registryIds) ? registryIds.filter((r) => typeof r === 'string') : []),
  ] as string[];
  const foreign = named.find((id) => id !== caller.accountId);
  if (foreign !== undefined) {
    const resource = typeof repositoryName === 'string' ? repositoryName : '*';
    throw accessDenied(
      caller.accountId,
      caller.accessKeyId,
      operation,
      `arn:aws:ecr:${region}:${foreign}:repository/${resource}`,
    );
  }
  return caller.accountId;
}
