import { createHash } from 'node:crypto';
import { formatSha256Digest } from '../crypto/digest';
import { DOCKER_MANIFEST, OCI_MANIFEST } from './manifest';

/** Docker Image Manifest V2 Schema 1, unsigned and signed: Berth never produces either. */
export const DOCKER_SCHEMA1_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_SCHEMA1_SIGNED_MANIFEST =
  'application/vnd.docker.distribution.manifest.v1+prettyjws';
const SCHEMA1_TYPES: readonly string[] = [DOCKER_SCHEMA1_MANIFEST, DOCKER_SCHEMA1_SIGNED_MANIFEST];

const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/**
 * Layer media types with an exact counterpart in the other format. A manifest with a layer of
 * any other type (zstd, an artifact's blobs) has no conversion: Docker schema 2 cannot name it.
 */
const DOCKER_TO_OCI_LAYER: Readonly<Record<string, string>> = {
  'application/vnd.docker.image.rootfs.diff.tar.gzip':
    'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip':
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};
const OCI_TO_DOCKER_LAYER: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(DOCKER_TO_OCI_LAYER).map(([docker, oci]) => [oci, docker]),
);

/** What a pull asks for: one stored manifest, named by tag or by digest. */
export interface ManifestRequest {
  /** The manifest's bytes exactly as stored. */
  stored: Buffer;
  storedMediaType: string;
  /** The stored bytes' digest (known from the image row; computed when absent). */
  storedDigest?: string;
  /** The media types the client accepts; absent or empty accepts the stored one. */
  accepted?: readonly string[];
  /** How the image was named: only a pull by tag alone is ever converted. */
  by: 'tag' | 'digest';
}

/** The manifest to serve: the stored one, or a conversion with its own digest. */
export interface ServedManifest {
  manifest: Buffer;
  mediaType: string;
  digest: string;
  converted: boolean;
}

/** Why no manifest is served: the client accepts only a format Berth does not produce. */
export interface ManifestUnavailable {
  unavailable: 'Schema1NotProduced';
  reason: string;
}

export type ManifestAnswer = ServedManifest | ManifestUnavailable;

const digestOf = (bytes: Buffer): string =>
  formatSha256Digest(createHash('sha256').update(bytes).digest());

type Json = Record<string, unknown>;

/** A descriptor rebuilt with the fields both formats define, under its new media type. */
function descriptor(d: Json, mediaType: string): Json {
  return {
    mediaType,
    size: d.size,
    digest: d.digest,
    ...(Array.isArray(d.urls) ? { urls: d.urls } : {}),
    ...(d.annotations && typeof d.annotations === 'object' ? { annotations: d.annotations } : {}),
  };
}

/**
 * Docker schema 2 <-> OCI image manifest, or undefined when the manifest uses something the
 * target cannot express (another config type, a layer type without a counterpart, or, towards
 * Docker, an OCI artifact's `artifactType` or `subject`). Top-level `annotations` have no place
 * in Docker schema 2 and are left out of that direction.
 */
function convert(doc: Json, target: string): Json | undefined {
  const toOci = target === OCI_MANIFEST;
  const config = doc.config as Json | undefined;
  const layers = doc.layers;
  if (!config || typeof config !== 'object' || !Array.isArray(layers)) return undefined;
  if (config.mediaType !== (toOci ? DOCKER_CONFIG : OCI_CONFIG)) return undefined;
  if (!toOci && (doc.artifactType !== undefined || doc.subject !== undefined)) return undefined;
  const layerMap = toOci ? DOCKER_TO_OCI_LAYER : OCI_TO_DOCKER_LAYER;
  const converted: Json[] = [];
  for (const layer of layers as Json[]) {
    const mapped = typeof layer.mediaType === 'string' ? layerMap[layer.mediaType] : undefined;
    if (!mapped) return undefined;
    converted.push(descriptor(layer, mapped));
  }
  return {
    schemaVersion: 2,
    mediaType: target,
    config: descriptor(config, toOci ? OCI_CONFIG : DOCKER_CONFIG),
    layers: converted,
    ...(toOci && doc.annotations && typeof doc.annotations === 'object'
      ? { annotations: doc.annotations }
      : {}),
  };
}

/**
 * The manifest to answer a pull with, by ECR's rules (user guide, "Container image manifest
 * format support"): by tag, the stored format when the client accepts it, else Docker schema 2
 * converted to OCI or OCI to Docker schema 2; by digest, always the stored bytes ("there are no
 * translations available"). Where no conversion exists (a manifest list or an OCI index, an
 * artifact) the stored manifest is answered with its own media type, as ECR does: the client
 * decides what to do with it (awslabs/amazon-ecr-containerd-resolver#13). ECR would convert
 * Docker schema 2 to signed schema 1 for a client that accepts only schema 1; Berth does not
 * sign schema 1 manifests and answers that pull as unavailable.
 */
export function negotiateManifest(request: ManifestRequest): ManifestAnswer {
  const { stored, storedMediaType, accepted, by } = request;
  const asStored = (): ServedManifest => ({
    manifest: stored,
    mediaType: storedMediaType,
    digest: request.storedDigest ?? digestOf(stored),
    converted: false,
  });
  if (by === 'digest' || !accepted || accepted.length === 0) return asStored();
  if (accepted.includes(storedMediaType)) return asStored();
  const target =
    storedMediaType === DOCKER_MANIFEST
      ? OCI_MANIFEST
      : storedMediaType === OCI_MANIFEST
        ? DOCKER_MANIFEST
        : undefined;
  if (target && accepted.includes(target)) {
    const doc = JSON.parse(stored.toString('utf8')) as Json;
    const converted = convert(doc, target);
    if (converted) {
      // Indented by three spaces, as the reference registry (distribution) writes both formats.
      const bytes = Buffer.from(JSON.stringify(converted, null, 3), 'utf8');
      return { manifest: bytes, mediaType: target, digest: digestOf(bytes), converted: true };
    }
  }
  // Where ECR would answer a schema 1 conversion (schema 2 stored, schema 1 accepted).
  const schema1 = accepted.filter((t) => SCHEMA1_TYPES.includes(t));
  if (storedMediaType === DOCKER_MANIFEST && schema1.length > 0) {
    return {
      unavailable: 'Schema1NotProduced',
      reason: `The image manifest cannot be converted to ${schema1.join(', ')}: Berth does not produce Docker Image Manifest V2 Schema 1; accept ${DOCKER_MANIFEST} or ${OCI_MANIFEST}`,
    };
  }
  return asStored();
}
