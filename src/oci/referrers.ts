import type { OciCall } from './oci-call';
import { FILTERS_APPLIED_HEADER } from './oci-headers';
import { blobDigest, query } from './params';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** `GET /v2/<name>/referrers/<digest>`: an image index of the manifests whose `subject` it is. */
export async function listReferrers(call: OciCall): Promise<void> {
  const { req, res, registryId, name, arg, images } = call;
  const digest = blobDigest(arg);
  const artifactType = query(req, 'artifactType');
  const manifests = await images.referrers(
    registryId,
    name,
    digest.digest,
    artifactType || undefined,
  );
  if (artifactType) res.setHeader(FILTERS_APPLIED_HEADER, 'artifactType');
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests,
  });
  res.status(200);
  res.setHeader('Content-Type', OCI_INDEX);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
