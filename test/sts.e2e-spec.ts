import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createAccount } from './support/accounts';
import { Credentials, startTestApp, TEST_CREDENTIALS, TestApp } from './support/app';
import { awsCli } from './support/aws-cli';

const ACCOUNT = '123456789012';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

/** A query-protocol POST to `/`, signed for `service` (STS's own clients sign for `sts`). */
async function stsPost(
  url: string,
  body: string,
  options: { service?: string; credentials?: Credentials | null } = {},
): Promise<{ status: number; text: string }> {
  const { host } = new URL(url);
  let headers: Record<string, string> = { 'content-type': FORM };
  if (options.credentials !== null) {
    const signer = new SignatureV4({
      service: options.service ?? 'sts',
      region: 'us-east-1',
      credentials: options.credentials ?? TEST_CREDENTIALS,
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        headers: { ...headers, host },
        body,
      }),
    );
    headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'),
    );
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** The STS error a call was refused with. */
async function errorOf(call: Promise<unknown>): Promise<STSServiceException> {
  try {
    await call;
  } catch (err) {
    if (err instanceof STSServiceException) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('STS GetCallerIdentity on the ECR port', () => {
  let t: TestApp;
  const sts = (credentials: Credentials = TEST_CREDENTIALS): STSClient =>
    new STSClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1 });

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT });
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers the calling key's account, its root ARN and user id through @aws-sdk/client-sts", async () => {
    const client = sts();
    const identity = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(identity.Account).toBe(ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(identity.UserId).toBe(ACCOUNT);
    expect(identity.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers another account's key with that account", async () => {
    const other = await createAccount(t.url);
    const client = sts(other.credentials);
    const identity = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(identity.Account).toBe(other.accountId);
    expect(identity.Arn).toBe(`arn:aws:iam::${other.accountId}:root`);
  });

  it('answers through the AWS CLI', async () => {
    const result = await awsCli(t.url, ['sts', 'get-caller-identity']);
    expect(result.code).toBe(0);
    expect(result.json).toEqual({
      UserId: ACCOUNT,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it('refuses an unknown key with InvalidClientTokenId, through the SDK and the CLI', async () => {
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) };
    const client = sts(unknown);
    const err = await errorOf(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe('The security token included in the request is invalid.');

    const cli = await awsCli(t.url, ['sts', 'get-caller-identity'], { credentials: unknown });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('InvalidClientTokenId');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const client = sts({ ...TEST_CREDENTIALS, secretAccessKey: 'wrong'.repeat(8) });
    const err = await errorOf(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a call signed for another service, and an unsigned one, in STS XML', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const forEcr = await stsPost(t.url, body, { service: 'ecr' });
    expect(forEcr.status).toBe(403);
    expect(codeOf(forEcr.text)).toBe('SignatureDoesNotMatch');
    expect(forEcr.text).toContain("Credential should be scoped to correct service: 'sts'.");
    expect(forEcr.text).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/,
    );

    const unsigned = await stsPost(t.url, body, { credentials: null });
    expect(unsigned.status).toBe(403);
    expect(codeOf(unsigned.text)).toBe('MissingAuthenticationToken');
  });

  it('answers InvalidAction for another action or version, MissingAction without one', async () => {
    const other = await stsPost(t.url, 'Action=AssumeRole&Version=2011-06-15');
    expect(other.status).toBe(400);
    expect(codeOf(other.text)).toBe('InvalidAction');
    expect(other.text).toContain('Could not find operation AssumeRole for version 2011-06-15');

    const version = await stsPost(t.url, 'Action=GetCallerIdentity&Version=2099-01-01');
    expect(codeOf(version.text)).toBe('InvalidAction');

    const none = await stsPost(t.url, 'Version=2011-06-15');
    expect(none.status).toBe(400);
    expect(codeOf(none.text)).toBe('MissingAction');
  });

  it('refuses a body larger than any STS call with RequestEntityTooLarge', async () => {
    const res = await stsPost(
      t.url,
      `Action=GetCallerIdentity&Version=2011-06-15&x=${'a'.repeat(20_000)}`,
    );
    expect(res.status).toBe(413);
    expect(codeOf(res.text)).toBe('RequestEntityTooLarge');
  });

  it('leaves the ECR door as it was: a JSON call with X-Amz-Target still reaches ECR', async () => {
    const ecr = t.client();
    const { repositories } = await ecr.send(
      new (await import('@aws-sdk/client-ecr')).DescribeRepositoriesCommand({}),
    );
    expect(repositories).toEqual([]);
  });
});
