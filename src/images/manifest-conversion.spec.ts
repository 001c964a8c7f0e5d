import { createHash } from 'node:crypto';
import {
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  ManifestAnswer,
  negotiateManifest,
  ServedManifest,
} from './manifest-conversion';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './manifest';

const digest = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const d = (c: string): string => `sha256:${c.repeat(64)}`;

const docker = {
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 89, digest: d('a') },
  layers: [
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2000, digest: d('b') },
    {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      size: 7,
      digest: d('c'),
      urls: ['https://example.com/layer'],
    },
  ],
};
const oci = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 89, digest: d('a') },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2000, digest: d('b') },
    {
      mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
      size: 7,
      digest: d('c'),
      urls: ['https://example.com/layer'],
    },
  ],
};
const bytes = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc), 'utf8');

function served(answer: ManifestAnswer): ServedManifest {
  if ('unavailable' in answer) throw new Error(`unavailable: ${answer.reason}`);
  return answer;
}

describe('negotiateManifest', () => {
  it('answers the stored bytes and digest when the stored type is accepted or nothing is named', () => {
    const stored = bytes(docker);
    for (const accepted of [undefined, [], [DOCKER_MANIFEST], [OCI_MANIFEST, DOCKER_MANIFEST]]) {
      expect(
        negotiateManifest({ stored, storedMediaType: DOCKER_MANIFEST, accepted, by: 'tag' }),
      ).toEqual({
        manifest: stored,
        mediaType: DOCKER_MANIFEST,
        digest: digest(stored),
        converted: false,
      });
    }
  });

  it('converts Docker schema 2 to an OCI image manifest by tag, with the converted bytes digest', () => {
    const stored = bytes(docker);
    const out = served(
      negotiateManifest({
        stored,
        storedMediaType: DOCKER_MANIFEST,
        accepted: [OCI_MANIFEST],
        by: 'tag',
      }),
    );
    expect(out.converted).toBe(true);
    expect(out.mediaType).toBe(OCI_MANIFEST);
    expect(JSON.parse(out.manifest.toString('utf8'))).toEqual(oci);
    expect(out.digest).toBe(digest(out.manifest));
    expect(out.digest).not.toBe(digest(stored));
  });

  it('converts an OCI image manifest to Docker schema 2 by tag, and the result converts back', () => {
    const stored = bytes({ ...oci, annotations: { 'org.opencontainers.image.created': 'now' } });
    const out = served(
      negotiateManifest({
        stored,
        storedMediaType: OCI_MANIFEST,
        accepted: [DOCKER_MANIFEST],
        by: 'tag',
      }),
    );
    expect(out.mediaType).toBe(DOCKER_MANIFEST);
    // Docker schema 2 has no top-level annotations.
    expect(JSON.parse(out.manifest.toString('utf8'))).toEqual(docker);
    const back = served(
      negotiateManifest({
        stored: out.manifest,
        storedMediaType: DOCKER_MANIFEST,
        accepted: [OCI_MANIFEST],
        by: 'tag',
      }),
    );
    expect(JSON.parse(back.manifest.toString('utf8'))).toEqual(oci);
  });

  it('gives the same bytes, and so the same digest, on every call', () => {
    const request = {
      stored: bytes(docker),
      storedMediaType: DOCKER_MANIFEST,
      accepted: [OCI_MANIFEST],
      by: 'tag' as const,
    };
    expect(served(negotiateManifest(request)).digest).toBe(
      served(negotiateManifest(request)).digest,
    );
  });

  it('never converts by digest: the stored bytes, whatever is accepted', () => {
    const stored = bytes(docker);
    for (const accepted of [[OCI_MANIFEST], [DOCKER_SCHEMA1_MANIFEST]]) {
      const out = served(
        negotiateManifest({ stored, storedMediaType: DOCKER_MANIFEST, accepted, by: 'digest' }),
      );
      expect(out).toEqual({
        manifest: stored,
        mediaType: DOCKER_MANIFEST,
        digest: digest(stored),
        converted: false,
      });
    }
  });

  it.each([
    ['a manifest list asked as an OCI index', DOCKER_MANIFEST_LIST, { manifests: [] }, [OCI_INDEX]],
    ['an OCI index asked as a manifest list', OCI_INDEX, { manifests: [] }, [DOCKER_MANIFEST_LIST]],
    [
      'an OCI artifact (Helm chart config) asked as Docker schema 2',
      OCI_MANIFEST,
      { ...oci, config: { ...oci.config, mediaType: 'application/vnd.cncf.helm.config.v1+json' } },
      [DOCKER_MANIFEST],
    ],
    [
      'an OCI manifest with a zstd layer asked as Docker schema 2',
      OCI_MANIFEST,
      {
        ...oci,
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: 1, digest: d('e') },
        ],
      },
      [DOCKER_MANIFEST],
    ],
    [
      'an OCI referrer (subject) asked as Docker schema 2',
      OCI_MANIFEST,
      { ...oci, subject: { mediaType: OCI_MANIFEST, size: 1, digest: d('f') } },
      [DOCKER_MANIFEST],
    ],
    ['an OCI manifest asked as schema 1', OCI_MANIFEST, oci, [DOCKER_SCHEMA1_MANIFEST]],
  ])('answers the stored manifest for %s (no conversion exists)', (_l, type, doc, accepted) => {
    const stored = bytes({ schemaVersion: 2, mediaType: type, ...doc });
    expect(
      served(negotiateManifest({ stored, storedMediaType: type, accepted, by: 'tag' })),
    ).toEqual({ manifest: stored, mediaType: type, digest: digest(stored), converted: false });
  });

  it('refuses Docker schema 2 to schema 1 by tag, naming the schema 1 types asked for', () => {
    const answer = negotiateManifest({
      stored: bytes(docker),
      storedMediaType: DOCKER_MANIFEST,
      accepted: [DOCKER_SCHEMA1_MANIFEST, DOCKER_SCHEMA1_SIGNED_MANIFEST],
      by: 'tag',
    });
    expect(answer).toEqual({
      unavailable: 'Schema1NotProduced',
      reason: `The image manifest cannot be converted to ${DOCKER_SCHEMA1_MANIFEST}, ${DOCKER_SCHEMA1_SIGNED_MANIFEST}: Berth does not produce Docker Image Manifest V2 Schema 1; accept ${DOCKER_MANIFEST} or ${OCI_MANIFEST}`,
    });
  });

  it('uses the stored digest it is given rather than hashing again', () => {
    const out = served(
      negotiateManifest({
        stored: bytes(docker),
        storedMediaType: DOCKER_MANIFEST,
        storedDigest: d('9'),
        by: 'digest',
      }),
    );
    expect(out.digest).toBe(d('9'));
  });
});
