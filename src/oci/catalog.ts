import type { OciCall } from './oci-call';
import { nextLink } from './oci-headers';
import { MAX_PAGE, pageSize, query } from './params';
import { sendJson } from './responses';

/** `GET`/`HEAD /v2/`: the API is here, and the token is good. */
export async function checkApi({ req, res }: OciCall): Promise<void> {
  sendJson(req, res, 200, {});
}

/** `GET /v2/_catalog`: the caller's repositories, a page at a time. */
export async function listRepositories(call: OciCall): Promise<void> {
  const { req, res, registryId, repositories } = call;
  const n = pageSize(req);
  const last = query(req, 'last');
  const limit = n ?? MAX_PAGE;
  const page =
    limit === 0
      ? { repositories: [] }
      : await repositories.list(registryId, limit, last || undefined);
  const names = page.repositories.map((r) => r.name);
  if ('lastName' in page && page.lastName) {
    res.setHeader('Link', nextLink('/v2/_catalog', limit, page.lastName));
  }
  sendJson(req, res, 200, { repositories: names });
}
