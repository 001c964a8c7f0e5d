import type { Request } from 'express';
import { accountOfHost } from '../config/registry-host';
import type { PoliciesService } from '../policies/policies.service';
import type { OciCaller } from './authenticate';
import { OciError } from './oci-errors';
import { isRepositoryName } from './oci-grammar';
import { query } from './params';
import { namesRepository, type RouteMatch } from './routes';

/**
 * The registry a /v2 request acts on: the account whose registry host (REGISTRY_HOST) the
 * request's Host names, or the caller's own on any other host. Another account's registry is
 * reached only on one of its repositories, and only as far as that repository's policy allows
 * the caller the route's ECR action (a mount, also GetDownloadUrlForLayer on the repository it
 * mounts from); anything else there is DENIED, as a request without an ECR action is. The API
 * check (`/v2/`, which `docker login` sends) answers for any valid token there: as in ECR, a
 * token serves every registry its principal may use, and the check reveals nothing of it.
 */
export async function registryOf(
  req: Request,
  caller: OciCaller,
  found: RouteMatch,
  registryHost: string | undefined,
  policies: PoliciesService,
): Promise<string> {
  const target = registryHost ? accountOfHost(registryHost, req.headers.host) : undefined;
  if (target === undefined || target === caller.registryId) return caller.registryId;
  if (found.path === 'base') return target;
  const action = found.route?.ecrAction;
  const principal = { accountId: caller.registryId, accessKeyId: caller.accessKeyId };
  if (!action || !namesRepository(found.path)) {
    throw new OciError(
      'DENIED',
      `The registry of account ${target} is not the token's: only its repositories' policies can allow this token anything there`,
    );
  }
  await policies.authorize(principal, target, found.name, action);
  // A mount is an upload's start that names a blob to take from another repository.
  const mounts = action === 'InitiateLayerUpload' && query(req, 'mount') !== undefined;
  const from = mounts ? query(req, 'from') : undefined;
  if (from !== undefined && isRepositoryName(from)) {
    await policies.authorize(principal, target, from, 'GetDownloadUrlForLayer');
  }
  return target;
}
