import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import {
  checkSigningTime,
  formatAmzDate,
  PresentedSignature,
  readSignature,
  SignedRequest,
  verifySignature,
} from './sigv4';

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const body = Buffer.from('{"repositoryName":"demo"}');
const signedAt = new Date('2025-11-29T08:30:00Z');

/** Like botocore by default (no x-amz-content-sha256); like the JS SDK with `applyChecksum`. */
function clientSigner(applyChecksum = false): SignatureV4 {
  return new SignatureV4({
    service: 'ecr',
    region: 'eu-west-1',
    credentials,
    sha256: Sha256,
    applyChecksum,
  });
}

function unsignedRequest(extraHeaders: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 5000,
    path: '/',
    headers: {
      host: '127.0.0.1:5000',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.CreateRepository',
      ...extraHeaders,
    },
    body,
  });
}

/** What the server sees of a request signed by the SDK's signer. */
function received(signed: {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
}): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(signed.query ?? {})) {
    if (value !== null) query[name] = value;
  }
  return { method: signed.method, path: signed.path, query, headers };
}

async function signWith(applyChecksum = false): Promise<SignedRequest> {
  const signed = await clientSigner(applyChecksum).sign(unsignedRequest(), {
    signingDate: signedAt,
  });
  return received(signed);
}

async function verifies(
  req: SignedRequest,
  payload = body,
  secret = credentials.secretAccessKey,
): Promise<string> {
  try {
    const sig = readSignature(req, 'ecr');
    await verifySignature(req, payload, sig, secret);
    return 'ok';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('SigV4 verification', () => {
  it('accepts a request signed by @smithy/signature-v4, with and without x-amz-content-sha256', async () => {
    expect(await verifies(await signWith())).toBe('ok');
    const withHash = await signWith(true);
    expect(withHash.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(await verifies(withHash)).toBe('ok');
  });

  it('reads the access key, region and signing time', async () => {
    const sig = readSignature(await signWith(), 'ecr');
    expect(sig).toMatchObject({
      form: 'header',
      accessKeyId: credentials.accessKeyId,
      region: 'eu-west-1',
      amzDate: '20251129T083000Z',
    });
    expect(sig.signedAt.toISOString()).toBe('2025-11-29T08:30:00.000Z');
  });

  it('refuses another secret, a changed body, a changed signed header and a changed signature', async () => {
    const req = await signWith();
    expect(await verifies(req, body, 'another-secret-0000000000')).toMatch(
      /^InvalidSignatureException: The request signature we calculated does not match/,
    );
    expect(await verifies(req, Buffer.from('{"repositoryName":"other"}'))).toMatch(
      /^InvalidSignatureException: The request signature we calculated/,
    );
    const retargeted = {
      ...req,
      headers: { ...req.headers, 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.X' },
    };
    expect(await verifies(retargeted)).toMatch(/^InvalidSignatureException/);
    const forged = {
      ...req,
      headers: {
        ...req.headers,
        authorization: req.headers.authorization!.replace(/Signature=\w/, 'Signature=0'),
      },
    };
    expect(await verifies(forged)).toMatch(/^InvalidSignatureException/);
  });

  it('refuses a body that no longer matches its x-amz-content-sha256', async () => {
    const req = await signWith(true);
    expect(await verifies(req, Buffer.from('{}'))).toBe(
      "InvalidSignatureException: The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  });

  it('refuses a signed header that was not sent', async () => {
    const req = await signWith();
    const headers = { ...req.headers };
    delete headers['x-amz-target'];
    expect(await verifies({ ...req, headers })).toMatch(/^InvalidSignatureException/);
  });

  it('requires X-Amz-Target, Content-Type and every x-amz-* header sent to be signed', async () => {
    const signed = await clientSigner().sign(unsignedRequest({ 'x-amz-meta': 'kept' }), {
      signingDate: signedAt,
      signableHeaders: new Set(['host', 'x-amz-date']),
      unsignableHeaders: new Set(['content-type', 'x-amz-target', 'x-amz-meta']),
    });
    const req = received(signed);
    expect(req.headers.authorization).toContain('SignedHeaders=host;x-amz-date,');
    expect(await verifies(req)).toBe(
      "IncompleteSignatureException: 'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization. 'Content-Type' must be a 'SignedHeader' in the AWS Authorization. 'X-Amz-Meta' must be a 'SignedHeader' in the AWS Authorization.",
    );
    const ok = await signWith();
    expect(
      await verifies({ ...ok, headers: { ...ok.headers, 'x-amz-extra': 'added later' } }),
    ).toBe(
      "IncompleteSignatureException: 'X-Amz-Extra' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it('refuses a header X-Amz-Target that differs from the signed query-string one', async () => {
    const presigned = await clientSigner().presign(unsignedRequest(), {
      signingDate: signedAt,
      expiresIn: 300,
    });
    const req = received(presigned);
    expect(req.query['x-amz-target']).toBe('AmazonEC2ContainerRegistry_V20150921.CreateRepository');
    const switched = {
      ...req,
      headers: {
        ...req.headers,
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository',
      },
    };
    expect(await verifies(switched)).toBe(
      "InvalidSignatureException: The 'X-Amz-Target' header does not match the 'X-Amz-Target' query-string parameter that was signed.",
    );
    const repeated = {
      ...req,
      headers: { ...req.headers, 'x-amz-target': req.query['x-amz-target'] as string },
    };
    expect(await verifies(repeated)).toBe('ok');
  });

  it('ignores headers added after signing that were not signed', async () => {
    const req = await signWith();
    expect(
      await verifies({ ...req, headers: { ...req.headers, 'x-forwarded-for': '10.0.0.1' } }),
    ).toBe('ok');
  });

  it('accepts the query-string form made by presign()', async () => {
    const presigned = await clientSigner().presign(unsignedRequest(), {
      signingDate: signedAt,
      expiresIn: 300,
    });
    const req = received(presigned);
    expect(req.headers.authorization).toBeUndefined();
    const sig = readSignature(req, 'ecr');
    expect(sig).toMatchObject({ form: 'query', expiresSeconds: 300 });
    expect(await verifies(req)).toBe('ok');
    expect(await verifies(req, Buffer.from('{}'))).toMatch(/^InvalidSignatureException/);
  });

  it('verifies the AWS documentation example (IAM ListUsers)', async () => {
    // From the AWS General Reference, "Signature Version 4 signing process" example.
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: { Action: 'ListUsers', Version: '2010-05-08' },
      headers: {
        host: 'iam.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      },
    };
    const sig = readSignature(req, 'iam');
    await expect(
      verifySignature(req, Buffer.alloc(0), sig, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'),
    ).resolves.toBeUndefined();
  });

  describe('malformed signatures', () => {
    const base = (authorization?: string, date = '20251129T083000Z'): SignedRequest => ({
      method: 'POST',
      path: '/',
      query: {},
      headers: { host: 'h', 'x-amz-date': date, ...(authorization ? { authorization } : {}) },
    });
    const errorOf = (req: SignedRequest, service = 'ecr'): string => {
      try {
        readSignature(req, service);
        return 'ok';
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    };
    const good = (credential: string): string =>
      `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=abc`;

    it('answers MissingAuthenticationTokenException without an Authorization header', () => {
      expect(errorOf(base())).toBe(
        'MissingAuthenticationTokenException: Missing Authentication Token',
      );
    });

    it('answers IncompleteSignatureException for another scheme or missing parameters', () => {
      expect(errorOf(base('Bearer abc'))).toMatch(
        /^IncompleteSignatureException: Authorization header requires 'Credential' parameter\. Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\.$/,
      );
      expect(errorOf(base('AWS4-HMAC-SHA256 Credential=a/b'))).toMatch(
        /^IncompleteSignatureException: Authorization header requires 'Signature' parameter/,
      );
      expect(errorOf(base('AWS4-HMAC-SHA512 Credential=x'))).toBe(
        "IncompleteSignatureException: Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
      );
      const noDate = base(good('AKID/20251129/us-east-1/ecr/aws4_request'));
      delete noDate.headers['x-amz-date'];
      expect(errorOf(noDate)).toMatch(/requires existence of either a 'X-Amz-Date'/);
      expect(errorOf(base(good('AKID/20251129/us-east-1/ecr/aws4_request'), '2025-11-29'))).toMatch(
        /^IncompleteSignatureException: Date must be in ISO-8601 'basic format'/,
      );
      expect(errorOf(base(good('AKID/20251129/ecr/aws4_request')))).toMatch(
        /^IncompleteSignatureException: Credential should have 5 slash-separated parts/,
      );
      expect(
        errorOf(
          base(
            'AWS4-HMAC-SHA256 Credential=AKID/20251129/us-east-1/ecr/aws4_request, SignedHeaders=x-amz-date, Signature=abc',
          ),
        ),
      ).toMatch(/'Host' or ':authority' must be a 'SignedHeader'/);
    });

    it('answers InvalidSignatureException for a scope of another service, date or terminator', () => {
      expect(errorOf(base(good('AKID/20251129/us-east-1/s3/aws4_request')))).toBe(
        "InvalidSignatureException: Credential should be scoped to correct service: 'ecr'.",
      );
      expect(errorOf(base(good('AKID/20251128/us-east-1/ecr/aws4_request')))).toMatch(
        /^InvalidSignatureException: Date in Credential scope does not match/,
      );
      expect(errorOf(base(good('AKID/20251129/us-east-1/ecr/aws5_request')))).toMatch(
        /^InvalidSignatureException: Credential should be scoped with a valid terminator/,
      );
    });

    it('refuses a session token, which Berth never issues', () => {
      const req = base(good('AKID/20251129/us-east-1/ecr/aws4_request'));
      req.headers['x-amz-security-token'] = 'token';
      expect(errorOf(req)).toMatch(/^UnrecognizedClientException/);
    });
  });

  describe('clock skew', () => {
    const sigAt = (iso: string, expiresSeconds?: number): PresentedSignature => {
      const date = new Date(iso);
      return {
        form: expiresSeconds ? 'query' : 'header',
        accessKeyId: 'AKID',
        region: 'us-east-1',
        service: 'ecr',
        signedHeaders: ['host'],
        signature: '',
        amzDate: formatAmzDate(date),
        signedAt: date,
        expiresSeconds,
      };
    };
    const now = new Date('2017-01-11T23:09:49Z');

    it('allows 15 minutes either way', () => {
      expect(() => checkSigningTime(sigAt('2017-01-11T22:54:49Z'), now, 900)).not.toThrow();
      expect(() => checkSigningTime(sigAt('2017-01-11T23:24:49Z'), now, 900)).not.toThrow();
    });

    it('words an expired signature as AWS does', () => {
      expect(() => checkSigningTime(sigAt('2017-01-11T20:40:52Z'), now, 900)).toThrow(
        'Signature expired: 20170111T204052Z is now earlier than 20170111T225449Z (20170111T230949Z - 15 min.)',
      );
    });

    it('words a signature from the future as AWS does', () => {
      expect(() => checkSigningTime(sigAt('2017-01-11T23:30:00Z'), now, 900)).toThrow(
        'Signature not yet current: 20170111T233000Z is still later than 20170111T232449Z (20170111T230949Z + 15 min.)',
      );
    });

    it('lets a pre-signed request live for its X-Amz-Expires', () => {
      expect(() => checkSigningTime(sigAt('2017-01-11T22:10:00Z', 3600), now, 900)).not.toThrow();
      expect(() => checkSigningTime(sigAt('2017-01-11T21:00:00Z', 3600), now, 900)).toThrow(
        /^Signature expired/,
      );
    });

    it('ends a pre-signed request exactly at X-Amz-Date + X-Amz-Expires, without the skew allowance', () => {
      expect(() => checkSigningTime(sigAt('2017-01-11T22:59:49Z', 1), now, 900)).toThrow(
        'Signature expired: 20170111T225950Z is now earlier than 20170111T230949Z',
      );
      expect(() => checkSigningTime(sigAt('2017-01-11T22:09:49Z', 3600), now, 900)).toThrow(
        /^Signature expired/,
      );
      expect(() => checkSigningTime(sigAt('2017-01-11T23:09:48Z', 2), now, 900)).not.toThrow();
    });
  });
});
