import { InvalidParameterException } from '../common/errors/registry-exception';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  parseManifest,
} from './manifest';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const CONFIG = d('c');
const LAYER_A = d('a');
const LAYER_B = d('b');

function image(patch: Record<string, unknown> = {}, mediaType = OCI_MANIFEST): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: CONFIG, size: 7 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: LAYER_A, size: 100 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: LAYER_B, size: 20 },
    ],
    ...patch,
  });
}

function index(patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { mediaType: OCI_MANIFEST, digest: d('1'), size: 500 },
      { mediaType: OCI_MANIFEST, digest: d('2'), size: 600 },
    ],
    ...patch,
  });
}

const constraint = (member: string, text: string): string =>
  `Invalid parameter at '${member}' failed to satisfy constraint: '${text}'`;

function refusal(text: string, declared?: string): string {
  try {
    parseManifest(text, declared);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterException);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('parseManifest', () => {
  it('reads an image: its config and layers to check, the layers size, the artifact type', () => {
    expect(parseManifest(image(), undefined)).toEqual({
      mediaType: OCI_MANIFEST,
      kind: 'image',
      blobs: [CONFIG, LAYER_A, LAYER_B],
      children: [],
      artifactMediaType: 'application/vnd.oci.image.config.v1+json',
      size: 120,
    });
  });

  it('prefers artifactType over the config media type', () => {
    const parsed = parseManifest(
      image({ artifactType: 'application/vnd.example+type' }),
      undefined,
    );
    expect(parsed.artifactMediaType).toBe('application/vnd.example+type');
  });

  it('lists each blob once, normalises digests to lowercase, and skips foreign layers', () => {
    const foreign = {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: d('f'),
      size: 5,
      urls: ['https://example.com/layer'],
    };
    const parsed = parseManifest(
      image(
        {
          layers: [
            { digest: LAYER_A.toUpperCase().replace('SHA256', 'sha256'), size: 1 },
            { digest: LAYER_A, size: 1 },
            { digest: CONFIG, size: 2 },
            foreign,
          ],
        },
        DOCKER_MANIFEST,
      ),
      undefined,
    );
    expect(parsed.blobs).toEqual([CONFIG, LAYER_A]);
    // Foreign layers count in the size: the image references them.
    expect(parsed.size).toBe(9);
  });

  it('reads an index: its child manifests and their total size', () => {
    expect(parseManifest(index(), undefined)).toEqual({
      mediaType: OCI_INDEX,
      kind: 'index',
      blobs: [],
      children: [d('1'), d('2')],
      artifactMediaType: undefined,
      size: 1100,
    });
    const list = JSON.parse(index()) as Record<string, unknown>;
    delete list.mediaType;
    expect(parseManifest(JSON.stringify(list), DOCKER_MANIFEST_LIST).kind).toBe('index');
  });

  it('takes the media type from the request when the manifest has none, and requires one', () => {
    const bare = JSON.parse(image()) as Record<string, unknown>;
    delete bare.mediaType;
    expect(parseManifest(JSON.stringify(bare), DOCKER_MANIFEST).mediaType).toBe(DOCKER_MANIFEST);
    expect(refusal(JSON.stringify(bare))).toBe(
      constraint(
        'imageManifestMediaType',
        'the media type is missing from the request and from the manifest',
      ),
    );
  });

  it('refuses a declared media type the manifest contradicts', () => {
    expect(refusal(image(), DOCKER_MANIFEST)).toBe(
      constraint('imageManifestMediaType', `must equal the manifest's mediaType ${OCI_MANIFEST}`),
    );
    expect(parseManifest(image(), OCI_MANIFEST).mediaType).toBe(OCI_MANIFEST);
  });

  it('refuses text that is not a JSON object, in ECR wording', () => {
    for (const text of ['not JSON', '{"schemaVersion": 2,', '']) {
      expect(refusal(text)).toBe(constraint('ImageManifest', 'Invalid JSON syntax'));
    }
    for (const text of ['null', '[]', '"manifest"', '2']) {
      expect(refusal(text)).toBe(constraint('imageManifest', 'must be a JSON object'));
    }
  });

  it('refuses a media type it does not support, naming those it does', () => {
    const message = refusal(image({}, 'application/vnd.docker.distribution.manifest.v1+prettyjws'));
    expect(message).toMatch(/^Invalid parameter at 'imageManifestMediaType'/);
    expect(message).toContain('unsupported media type');
    expect(message).toContain(OCI_INDEX);
  });

  it.each<[string, string, string]>([
    ['schemaVersion 1', image({ schemaVersion: 1 }), 'schemaVersion must be 2'],
    ['schemaVersion "2"', image({ schemaVersion: '2' }), 'schemaVersion must be 2'],
    ['no config', image({ config: undefined }), 'config must be a descriptor object'],
    ['a config string', image({ config: CONFIG }), 'config must be a descriptor object'],
    [
      'a bad config digest',
      image({ config: { digest: 'sha256:abc', size: 1 } }),
      'config.digest must be a valid digest',
    ],
    ['layers not a list', image({ layers: {} }), 'layers must be a list'],
    ['a null layer', image({ layers: [null] }), 'layers[0] must be a descriptor object'],
    [
      'an md5 layer digest',
      image({ layers: [{ digest: `md5:${'0'.repeat(32)}`, size: 1 }] }),
      'layers[0].digest must be a valid digest',
    ],
    [
      'a negative size',
      image({ layers: [{ digest: LAYER_A, size: -1 }] }),
      'layers[0].size must be a non-negative integer',
    ],
    [
      'a fractional size',
      image({ layers: [{ digest: LAYER_A, size: 1.5 }] }),
      'layers[0].size must be a non-negative integer',
    ],
    [
      'a size past the safe integers',
      image({ layers: [{ digest: LAYER_A, size: 2 ** 53 }] }),
      'layers[0].size must be a non-negative integer',
    ],
    [
      'sizes that add up past the safe integers',
      image({
        layers: [
          { digest: LAYER_A, size: 2 ** 53 - 1 },
          { digest: LAYER_B, size: 1 },
        ],
      }),
      `the sizes of layers must add up to at most ${Number.MAX_SAFE_INTEGER}`,
    ],
    [
      'an artifactType over 255 characters',
      image({ artifactType: 'y'.repeat(256) }),
      'artifactType must be a media type of at most 255 characters',
    ],
    [
      'a config media type with U+0000',
      image({ config: { mediaType: 'a\u0000b', digest: CONFIG, size: 1 } }),
      'config.mediaType must be a media type of at most 255 characters',
    ],
    ['manifests not a list', index({ manifests: null }), 'manifests must be a list'],
    [
      'a bad child digest',
      index({ manifests: [{ digest: 'latest', size: 1 }] }),
      'manifests[0].digest must be a valid digest',
    ],
  ])('refuses %s', (_what, text, expected) => {
    expect(refusal(text)).toBe(constraint('imageManifest', expected));
  });

  it('ignores an artifactType that is not a string on an image, as it is not one', () => {
    expect(parseManifest(image({ artifactType: 42 }), undefined).artifactMediaType).toBe(
      'application/vnd.oci.image.config.v1+json',
    );
  });
});
