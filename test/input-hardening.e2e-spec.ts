import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { validateEcrInput } from '../src/ecr/ecr-input';
import { UploadLayerPartRequest } from '../src/ecr/dto/upload-requests';
import { rawCall, startTestApp, target, TestApp } from './support/app';
import { shapeProblems } from './support/ecr-calls';
import { BuiltImage, pushImageBlobs } from './support/images';

/**
 * Inputs the fuzzer (test/fuzz.e2e-spec.ts) found answered with a 5xx, each pinned to the
 * client error it must be: deep nesting, reserved member names, null members, forged page tokens,
 * manifests whose values do not fit the columns they are stored in, U+0000 in a stored string.
 */
describe('inputs found by fuzzing', () => {
  let app: TestApp;
  let client: ECRClient;
  let image: BuiltImage;
  const repo = 'hardening/app';

  beforeAll(async () => {
    app = await startTestApp();
    client = app.client();
    await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
    image = await pushImageBlobs(client, repo);
  });

  afterAll(async () => {
    await app.close();
  });

  async function call(
    operation: string,
    body: string | Record<string, unknown>,
  ): Promise<{ status: number; type?: string; message?: string; json?: Record<string, unknown> }> {
    const res = await rawCall(
      app.url,
      target(operation),
      typeof body === 'string' ? body : JSON.stringify(body),
    );
    expect(shapeProblems(res)).toEqual([]);
    return {
      status: res.status,
      type: res.json?.__type as string | undefined,
      message: res.json?.message as string | undefined,
      json: res.json,
    };
  }

  const nestedObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  describe('nesting', () => {
    it('accepts an unknown member nested 30 levels deep (it is ignored)', async () => {
      const out = await call(
        'InitiateLayerUpload',
        `{"repositoryName":"${repo}","x":${nestedObject(30)}}`,
      );
      expect(out.status).toBe(200);
    });

    it.each([33, 3000, 150_000])(
      'answers SerializationException for a body nested %d levels deep',
      async (depth) => {
        const out = await call(
          'CreateRepository',
          `{"repositoryName":"hardening/deep","tags":[{"Key":"a","Value":"b","x":${nestedObject(depth)}}]}`,
        );
        expect(out.type).toBe('SerializationException');
        expect(out.message).toBe('The request body nests deeper than 32 levels');
      },
    );

    it('answers SerializationException for deeply nested arrays inside a modelled list', async () => {
      const out = await call(
        'BatchGetImage',
        `{"repositoryName":"${repo}","imageIds":[{"imageTag":"v1","x":${'['.repeat(5000)}${']'.repeat(5000)}}]}`,
      );
      expect(out.type).toBe('SerializationException');
    });
  });

  it('leaves the Buffer a layerPartBlob is decoded into alone: its indexes are no members', () => {
    // Walking it as an object made a 20 MiB part cost 450 MiB of heap and seconds of CPU.
    const blob = Buffer.alloc(1024, 7);
    Object.defineProperty(blob, 'constructor', {
      value: 'kept',
      enumerable: true,
      configurable: true,
    });
    const input = validateEcrInput(UploadLayerPartRequest, {
      repositoryName: repo,
      uploadId: '00000000-0000-0000-0000-000000000000',
      partFirstByte: 0,
      partLastByte: 1023,
      layerPartBlob: blob,
    });
    expect(Object.getOwnPropertyDescriptor(blob, 'constructor')?.value).toBe('kept');
    expect(input.layerPartBlob.equals(Buffer.alloc(1024, 7))).toBe(true);
  });

  describe('reserved member names', () => {
    it('answers a wrong type, not a crash, for a member holding a "constructor" member', async () => {
      const out = await call('InitiateLayerUpload', {
        repositoryName: repo,
        registryId: { constructor: { prototype: { polluted: true } } },
      });
      expect(out.type).toBe('SerializationException');
      expect(out.message).toContain("'registryId'");
    });

    it('still validates a body that carries a "__proto__" member', async () => {
      const out = await call('InitiateLayerUpload', '{"__proto__":{"x":1},"repositoryName":5}');
      expect(out.type).toBe('SerializationException');
      expect(out.message).toContain("'repositoryName'");
      const ok = await call(
        'InitiateLayerUpload',
        `{"__proto__":{"x":1},"repositoryName":"${repo}"}`,
      );
      expect(ok.status).toBe(200);
    });

    it('ignores "constructor" and "prototype" members as it ignores any unknown member', async () => {
      const out = await call('DescribeImages', {
        repositoryName: repo,
        filter: { tagStatus: 'ANY', constructor: 1, prototype: 2 },
      });
      expect(out.status).toBe(200);
    });
  });

  describe('null members count as absent', () => {
    it.each(['BatchGetImage', 'DescribeImages', 'BatchDeleteImage'])(
      '%s with imageIds [{imageTag: null}]',
      async (operation) => {
        const out = await call(operation, { repositoryName: repo, imageIds: [{ imageTag: null }] });
        if (operation === 'DescribeImages') {
          expect(out.type).toBe('InvalidParameterException');
        } else {
          expect(out.status).toBe(200);
          expect(out.json?.failures).toEqual([
            expect.objectContaining({ failureCode: 'MissingDigestAndTag' }),
          ]);
        }
      },
    );

    it('PutImage with imageDigest null', async () => {
      const out = await call('PutImage', {
        repositoryName: repo,
        imageManifest: image.manifest,
        imageDigest: null,
        imageTag: null,
      });
      expect(out.status).toBe(200);
    });

    it('a required member null is reported missing', async () => {
      const out = await call('InitiateLayerUpload', { repositoryName: null });
      expect(out.type).toBe('InvalidParameterException');
      expect(out.message).toBe(
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must not be null'",
      );
    });
  });

  describe('page tokens Berth did not issue', () => {
    const token = (position: unknown): string =>
      Buffer.from(JSON.stringify(position)).toString('base64url');
    const cases: [string, string, Record<string, unknown>][] = [
      ['DescribeImages', 'a string id', { id: 'abc' }],
      ['DescribeImages', 'an id past bigint', { id: 1e30 }],
      ['DescribeImages', 'a fractional id', { id: 1.5 }],
      ['DescribeImages', 'a negative id', { id: -1 }],
      ['ListImages', 'a string id', { id: 'x', tag: '' }],
      ['ListImages', 'a fractional id', { id: 1.5, tag: '' }],
      ['ListImages', 'a tag holding U+0000', { id: 1, tag: '\u0000' }],
      ['ListImages', 'a numeric tag', { id: 1, tag: 7 }],
      ['DescribeRepositories', 'a name holding U+0000', { after: '\u0000' }],
      ['DescribeRepositories', 'a numeric name', { after: 5 }],
      ['DescribeRepositories', 'a name of 2000 characters', { after: 'a'.repeat(2000) }],
    ];
    it.each(cases)('%s with %s', async (operation, _what, position) => {
      const out = await call(operation, {
        ...(operation === 'DescribeRepositories' ? {} : { repositoryName: repo }),
        nextToken: token(position),
      });
      expect(out.type).toBe('InvalidParameterException');
      expect(out.message).toBe(
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be a token returned by a previous call'",
      );
    });
  });

  describe('manifests whose values do not fit', () => {
    const manifestWith = (patch: (m: Record<string, unknown>) => unknown): string =>
      JSON.stringify(patch(JSON.parse(image.manifest) as Record<string, unknown>));
    const layer = (): Record<string, unknown> =>
      (JSON.parse(image.manifest) as { layers: Record<string, unknown>[] }).layers[0];

    it.each([
      [
        'a config media type of 256 characters',
        (m: Record<string, unknown>) => ({
          ...m,
          config: { ...(m.config as object), mediaType: 'x'.repeat(256) },
        }),
        'config.mediaType must be a media type of at most 255 characters',
      ],
      [
        'an artifactType holding U+0000',
        (m: Record<string, unknown>) => ({ ...m, artifactType: 'a\u0000b' }),
        'artifactType must be a media type of at most 255 characters',
      ],
      [
        'layer sizes adding up past 2^53 - 1',
        (m: Record<string, unknown>) => ({
          ...m,
          layers: Array.from({ length: 2000 }, () => ({ ...layer(), size: 2 ** 53 - 1 })),
        }),
        'the sizes of layers must add up to at most 9007199254740991',
      ],
    ])('refuses %s', async (_what, patch, constraint) => {
      const out = await call('PutImage', {
        repositoryName: repo,
        imageManifest: manifestWith(patch),
      });
      expect(out.type).toBe('InvalidParameterException');
      expect(out.message).toBe(
        `Invalid parameter at 'imageManifest' failed to satisfy constraint: '${constraint}'`,
      );
    });

    it('refuses an index whose manifest sizes add up past 2^53 - 1', async () => {
      const out = await call('PutImage', {
        repositoryName: repo,
        imageManifest: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [1, 2].map(() => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: image.digest,
            size: 2 ** 53 - 1,
          })),
        }),
      });
      expect(out.type).toBe('InvalidParameterException');
    });

    it('keeps accepting a config media type of 255 characters', async () => {
      const out = await call('PutImage', {
        repositoryName: repo,
        imageManifest: manifestWith((m) => ({
          ...m,
          config: { ...(m.config as object), mediaType: 'x'.repeat(255) },
        })),
      });
      expect(out.status).toBe(200);
    });
  });

  it('refuses a KMS key holding U+0000', async () => {
    const out = await call('CreateRepository', {
      repositoryName: 'hardening/kms',
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn\u0000x' },
    });
    expect(out.type).toBe('InvalidParameterException');
    expect(out.message).toBe(
      "Invalid parameter at 'encryptionConfiguration.kmsKey' failed to satisfy constraint: 'must not contain the character U+0000'",
    );
  });
});
