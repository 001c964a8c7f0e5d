import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
} from '@aws-sdk/client-ecr';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { rawCall, startTestApp, target, TEST_CREDENTIALS, TestApp } from './support/app';
import { pushImageBlobs, putImage } from './support/images';
import { errorOf } from './support/layers';

// SigV4 on the ECR API, end to end through @aws-sdk/client-ecr, which signs every call: each way
// a signature can be wrong is answered with the error name, status and wording of AWS.

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface HttpLike {
  headers: Record<string, string>;
  body?: unknown;
}

/** A client whose requests are changed by `tamper` after the SDK has signed them. */
function tamperedClient(t: TestApp, tamper: (request: HttpLike) => void): ECRClient {
  const client = t.client();
  type Next = (args: { request: HttpLike }) => Promise<unknown>;
  const middleware = (next: Next): Next => {
    return async (args) => {
      tamper(args.request);
      return next(args);
    };
  };
  client.middlewareStack.addRelativeTo(
    middleware as unknown as Parameters<typeof client.middlewareStack.addRelativeTo>[0],
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamperAfterSigning' },
  );
  return client;
}

async function expectRefused(
  call: Promise<unknown>,
  name: string,
  message: string | RegExp,
): Promise<ECRServiceException> {
  const err = await errorOf(call);
  expect(err.name).toBe(name);
  expect(err.$metadata.httpStatusCode).toBe(400);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
  return err;
}

describe('SigV4 authentication of the ECR API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('accepts the bootstrap key, whose account is the default registry', async () => {
    const out = await t.client().send(new CreateRepositoryCommand({ repositoryName: 'auth/ok' }));
    expect(out.repository!.registryId).toBe(t.config.registryId);
  });

  it('answers InvalidSignatureException for a wrong secret', async () => {
    const client = t.client({
      credentials: {
        ...TEST_CREDENTIALS,
        secretAccessKey: 'not-the-secret-0000000000000000000000',
      },
    });
    await expectRefused(
      client.send(new DescribeRepositoriesCommand({})),
      'InvalidSignatureException',
      MISMATCH,
    );
  });

  it('answers UnrecognizedClientException for an unknown access key', async () => {
    const client = t.client({
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever-secret-000' },
    });
    await expectRefused(
      client.send(new DescribeRepositoriesCommand({})),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  });

  it('answers InvalidSignatureException for a body changed after signing', async () => {
    // Same length, so that only the bytes differ, not the Content-Length.
    const client = tamperedClient(t, (request) => {
      request.body = JSON.stringify({ repositoryName: 'auth/forged' });
    });
    // The SDK sends x-amz-content-sha256: the changed body no longer matches it.
    await expectRefused(
      client.send(new CreateRepositoryCommand({ repositoryName: 'auth/signed' })),
      'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    // Without that header (as botocore sends it), the signature itself no longer matches.
    const withoutHash = tamperedClient(t, (request) => {
      delete request.headers['x-amz-content-sha256'];
      request.body = JSON.stringify({ repositoryName: 'auth/forged' });
    });
    await expectRefused(
      withoutHash.send(new CreateRepositoryCommand({ repositoryName: 'auth/signed' })),
      'InvalidSignatureException',
      MISMATCH,
    );
    const listed = await t.client().send(new DescribeRepositoriesCommand({}));
    expect(listed.repositories!.map((r) => r.repositoryName)).not.toContain('auth/forged');
  });

  it('answers InvalidSignatureException for a clock 16 minutes behind, and 16 minutes ahead', async () => {
    const behind = new ECRClient({
      endpoint: t.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      systemClockOffset: -16 * 60 * 1000,
    });
    const ahead = new ECRClient({
      endpoint: t.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      systemClockOffset: 16 * 60 * 1000,
    });
    try {
      await expectRefused(
        behind.send(new DescribeRepositoriesCommand({})),
        'InvalidSignatureException',
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
      await expectRefused(
        ahead.send(new DescribeRepositoriesCommand({})),
        'InvalidSignatureException',
        /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
      );
    } finally {
      behind.destroy();
      ahead.destroy();
    }
  });

  it('accepts a clock 14 minutes off either way', async () => {
    for (const offset of [-14, 14]) {
      const client = new ECRClient({
        endpoint: t.url,
        region: 'us-east-1',
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
        systemClockOffset: offset * 60 * 1000,
      });
      try {
        await client.send(new DescribeRepositoriesCommand({}));
      } finally {
        client.destroy();
      }
    }
  });

  it('answers MissingAuthenticationTokenException without an Authorization header', async () => {
    const client = tamperedClient(t, (request) => {
      delete request.headers.authorization;
    });
    await expectRefused(
      client.send(new DescribeRepositoriesCommand({})),
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
    );
    const raw = await rawCall(t.url, target('DescribeRepositories'), '{}', undefined, {
      credentials: null,
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(raw.json).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('answers IncompleteSignatureException for a malformed Authorization header', async () => {
    const client = tamperedClient(t, (request) => {
      request.headers.authorization = 'AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date';
    });
    await expectRefused(
      client.send(new DescribeRepositoriesCommand({})),
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter.",
    );
    const bearer = tamperedClient(t, (request) => {
      request.headers.authorization = 'Bearer abc';
    });
    await expectRefused(
      bearer.send(new DescribeRepositoriesCommand({})),
      'IncompleteSignatureException',
      /^Authorization header requires 'Credential' parameter\./,
    );
    const scoped = tamperedClient(t, (request) => {
      request.headers.authorization = request.headers.authorization.replace('/ecr/', '/s3/');
    });
    await expectRefused(
      scoped.send(new DescribeRepositoriesCommand({})),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'ecr'.",
    );
  });

  it('refuses an unsigned call before anything else, even to an unknown operation', async () => {
    const res = await rawCall(t.url, target('FlyToTheMoon'), '{}', undefined, {
      credentials: null,
    });
    expect(res.json?.__type).toBe('MissingAuthenticationTokenException');
    const signed = await rawCall(t.url, target('FlyToTheMoon'), '{}');
    expect(signed.json?.__type).toBe('UnknownOperationException');
  });

  it('verifies the signature over the raw body, byte for byte', async () => {
    // The same JSON with other spacing is another body: the signature covers bytes, not meaning.
    const body = '{"repositoryName": "auth/raw"}';
    const res = await rawCall(t.url, target('CreateRepository'), body);
    expect(res.status).toBe(200);
    const headers = { 'content-type': 'application/x-amz-json-1.1' };
    const signer = new SignatureV4({
      service: 'ecr',
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      sha256: Sha256,
      applyChecksum: false,
    });
    const host = new URL(t.url).host;
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        headers: { ...headers, host, 'x-amz-target': target('DescribeRepositories') },
        body: '{}',
      }),
    );
    const sent = { ...signed.headers };
    delete sent.host;
    const replay = await fetch(t.url, { method: 'POST', headers: sent, body: '{ }' });
    expect(replay.status).toBe(400);
    expect(replay.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('accepts the query-string form of SigV4', async () => {
    const host = new URL(t.url).host;
    const body = JSON.stringify({ repositoryName: 'auth/presigned' });
    const signer = new SignatureV4({
      service: 'ecr',
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      sha256: Sha256,
    });
    const presigned = await signer.presign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target('CreateRepository'),
        },
        body,
      }),
      { expiresIn: 300, unhoistableHeaders: new Set(['x-amz-target']) },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const headers = { ...presigned.headers };
    delete headers.host;
    const ok = await fetch(`${t.url}/?${query}`, { method: 'POST', headers, body });
    expect(ok.status).toBe(200);
    const altered = await fetch(`${t.url}/?${query}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ repositoryName: 'auth/other' }),
    });
    expect(altered.status).toBe(400);
    expect(altered.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  /** A query-string signature of a POST, made as `presign()` makes it: x-amz-* headers hoisted. */
  async function presign(
    operation: string,
    body: string,
    options: { expiresIn?: number; signingDate?: Date } = {},
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const host = new URL(t.url).host;
    const signer = new SignatureV4({
      service: 'ecr',
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      sha256: Sha256,
    });
    const presigned = await signer.presign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target(operation),
        },
        body,
      }),
      { expiresIn: options.expiresIn ?? 300, signingDate: options.signingDate },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const headers = { ...presigned.headers };
    delete headers.host;
    return { url: `${t.url}/?${query}`, headers };
  }

  it('refuses a pre-signed read switched to a delete by an X-Amz-Target header', async () => {
    const repo = 'auth/presigned-switch';
    const client = t.client();
    await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const image = await pushImageBlobs(client, repo);
    await putImage(client, repo, image.manifest, 'v1');
    const body = JSON.stringify({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] });
    const read = await presign('BatchGetImage', body);
    expect(read.headers['x-amz-target']).toBeUndefined();
    expect(read.url).toContain('X-Amz-SignedHeaders=content-type%3Bhost');

    const switched = await fetch(read.url, {
      method: 'POST',
      headers: { ...read.headers, 'x-amz-target': target('BatchDeleteImage') },
      body,
    });
    expect(switched.status).toBe(400);
    expect(await switched.json()).toEqual({
      __type: 'InvalidSignatureException',
      message:
        "The 'X-Amz-Target' header does not match the 'X-Amz-Target' query-string parameter that was signed.",
    });
    const still = await client.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(still.images?.map((i) => i.imageId?.imageDigest)).toEqual([image.digest]);

    // The URL as it was signed still does what it was signed for.
    const asSigned = await fetch(read.url, { method: 'POST', headers: read.headers, body });
    expect(asSigned.status).toBe(200);
    const out = (await asSigned.json()) as { images: { imageId: { imageDigest: string } }[] };
    expect(out.images.map((i) => i.imageId.imageDigest)).toEqual([image.digest]);
  });

  it('refuses a header signature that leaves X-Amz-Target and Content-Type unsigned', async () => {
    const host = new URL(t.url).host;
    const signer = new SignatureV4({
      service: 'ecr',
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target('GetAuthorizationToken'),
        },
        body: '{}',
      }),
      {
        signableHeaders: new Set(['host', 'x-amz-date']),
        unsignableHeaders: new Set(['content-type', 'x-amz-target']),
      },
    );
    expect(signed.headers.authorization).toContain('SignedHeaders=host;x-amz-date,');
    const headers = { ...signed.headers };
    delete headers.host;
    const res = await fetch(t.url, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'IncompleteSignatureException',
      message:
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization. 'Content-Type' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('ends a pre-signed request at X-Amz-Date + X-Amz-Expires, without the clock-skew allowance', async () => {
    const body = '{}';
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000);
    const stale = await presign('DescribeRepositories', body, {
      expiresIn: 1,
      signingDate: tenMinutesAgo,
    });
    const res = await fetch(stale.url, { method: 'POST', headers: stale.headers, body });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { __type: string; message: string };
    expect(json.__type).toBe('InvalidSignatureException');
    expect(json.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z$/,
    );
    // Within its lifetime, a URL signed long ago is served.
    const long = await presign('DescribeRepositories', body, {
      expiresIn: 3600,
      signingDate: tenMinutesAgo,
    });
    expect((await fetch(long.url, { method: 'POST', headers: long.headers, body })).status).toBe(
      200,
    );
  });
});
