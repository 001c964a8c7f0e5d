import type { OciCall } from './oci-call';
import { nextLink } from './oci-headers';
import { MAX_PAGE, pageSize, query } from './params';
import { sendJson } from './responses';

/** `GET /v2/<name>/tags/list`: the repository's tags in byte order, a page at a time. */
export async function listTags({ req, res, registryId, name, images }: OciCall): Promise<void> {
  const limit = pageSize(req) ?? MAX_PAGE;
  const last = query(req, 'last');
  const page = await images.listTags(registryId, name, limit, last || undefined);
  if (page.more) {
    res.setHeader(
      'Link',
      nextLink(`/v2/${name}/tags/list`, limit, page.tags[page.tags.length - 1]),
    );
  }
  sendJson(req, res, 200, { name, tags: page.tags });
}
