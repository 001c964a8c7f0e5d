import { InvalidParameterException } from '../common/errors/registry-exception';
import { parseDigest } from '../crypto/digest';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MANIFEST_MEDIA_TYPES = [
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  OCI_INDEX,
];

// Layers that registries never hold (Windows base layers): referenced by URL, not pushed.
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/** A blob an image manifest references, with the media type the manifest gives it. */
export interface ReferencedBlob {
  digest: string;
  /** Absent when the descriptor has none, or one no column can hold (over 255, U+0000). */
  mediaType?: string;
}

export interface ParsedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  /** Config and layers that must exist as layers of the repository (images only), each once. */
  blobs: ReferencedBlob[];
  /** Manifests that must exist as images of the repository (indexes only). */
  children: string[];
  artifactMediaType?: string;
  /**
   * An image's size: its config and layers as the manifest gives them (what ECR's
   * `imageSizeInBytes` counts). 0 for an index, whose size is that of its largest manifest,
   * which only the repository knows.
   */
  size: number;
  /** The digest of the manifest this one refers to (`subject`), for the referrers API. */
  subject?: string;
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  urls?: unknown;
}

const invalid = (constraint: string): InvalidParameterException =>
  InvalidParameterException.constraint('imageManifest', constraint);

/** The longest media type RFC 6838 allows (127 + '/' + 127), and the column's width. */
const MAX_MEDIA_TYPE = 255;

/**
 * The artifact media type kept with an image (from `artifactType`, or the config's `mediaType`):
 * a string of at most 255 characters without U+0000, which PostgreSQL text cannot hold.
 */
function artifactMediaType(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_MEDIA_TYPE || value.includes('\u0000')) {
    throw invalid(`${where} must be a media type of at most ${MAX_MEDIA_TYPE} characters`);
  }
  return value;
}

/** The sum of descriptor sizes, which must stay an exact integer (it is stored as a bigint). */
function totalSize(descriptors: { size: number }[], where: string): number {
  const total = descriptors.reduce((sum, d) => sum + d.size, 0);
  if (!Number.isSafeInteger(total)) {
    throw invalid(`the sizes of ${where} must add up to at most ${Number.MAX_SAFE_INTEGER}`);
  }
  return total;
}

function descriptor(
  value: unknown,
  where: string,
): { digest: string; size: number; mediaType?: string; foreign: boolean } {
  if (!value || typeof value !== 'object') throw invalid(`${where} must be a descriptor object`);
  const d = value as Descriptor;
  const parsed = typeof d.digest === 'string' ? parseDigest(d.digest) : null;
  if (!parsed) throw invalid(`${where}.digest must be a valid digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw invalid(`${where}.size must be a non-negative integer`);
  }
  const mediaType = typeof d.mediaType === 'string' ? d.mediaType : undefined;
  const foreign = mediaType !== undefined && FOREIGN_LAYER_TYPES.has(mediaType);
  return { digest: parsed.digest, size: d.size, mediaType, foreign };
}

/** Each digest once, with the media type its first descriptor gives it (the config comes first). */
function referencedBlobs(descriptors: { digest: string; mediaType?: string }[]): ReferencedBlob[] {
  const blobs = new Map<string, ReferencedBlob>();
  for (const { digest, mediaType } of descriptors) {
    if (blobs.has(digest)) continue;
    const storable =
      mediaType !== undefined &&
      mediaType.length <= MAX_MEDIA_TYPE &&
      !mediaType.includes('\u0000');
    blobs.set(digest, { digest, ...(storable ? { mediaType } : {}) });
  }
  return [...blobs.values()];
}

/**
 * Reads an image manifest or index as sent. The media type comes from `imageManifestMediaType` or
 * the manifest's own `mediaType`; when both are given they must agree.
 */
export function parseManifest(text: string, declaredMediaType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw InvalidParameterException.constraint('ImageManifest', 'Invalid JSON syntax');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw invalid('must be a JSON object');
  }
  const doc = json as Record<string, unknown>;
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (own && declaredMediaType && own !== declaredMediaType) {
    throw new InvalidParameterException(
      `Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'must equal the manifest's mediaType ${own}'`,
    );
  }
  const mediaType = declaredMediaType ?? own;
  // ECR answers a manifest without a media type, sent without imageManifestMediaType, as
  // invalid JSON (aws/aws-cli#8620, aws/aws-sdk#193, containers/image#584).
  if (!mediaType)
    throw InvalidParameterException.constraint('ImageManifest', 'Invalid JSON syntax');
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new InvalidParameterException(
      `Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'unsupported media type ${mediaType}; supported: ${MANIFEST_MEDIA_TYPES.join(', ')}'`,
    );
  }
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  // A subject need not exist in the repository (the image spec lets a referrer come first).
  const subject =
    doc.subject === undefined ? {} : { subject: descriptor(doc.subject, 'subject').digest };

  if (mediaType === DOCKER_MANIFEST || mediaType === OCI_MANIFEST) {
    const config = descriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) throw invalid('layers must be a list');
    const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
    const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined;
    return {
      mediaType,
      kind: 'image',
      blobs: referencedBlobs([config, ...layers.filter((l) => !l.foreign)]),
      children: [],
      artifactMediaType:
        artifactType !== undefined
          ? artifactMediaType(artifactType, 'artifactType')
          : artifactMediaType(config.mediaType, 'config.mediaType'),
      size: totalSize([config, ...layers], 'the config and layers'),
      ...subject,
    };
  }
  if (!Array.isArray(doc.manifests)) throw invalid('manifests must be a list');
  const manifests = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
  // Not the index's size (that is its largest manifest's), but sizes that cannot even be added
  // up exactly stay refused, as before.
  totalSize(manifests, 'manifests');
  return {
    mediaType,
    kind: 'index',
    blobs: [],
    children: [...new Set(manifests.map((m) => m.digest))],
    artifactMediaType:
      typeof doc.artifactType === 'string'
        ? artifactMediaType(doc.artifactType, 'artifactType')
        : undefined,
    size: 0,
    ...subject,
  };
}
