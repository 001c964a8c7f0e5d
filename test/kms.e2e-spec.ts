import {
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  EnableKeyRotationCommand,
  KMSClient,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  CancelKeyDeletionCommand,
  DeleteAliasCommand,
} from '@aws-sdk/client-kms';
import { createHash, randomBytes } from 'node:crypto';
import { createAccount } from './support/accounts';
import { Credentials, startTestApp, TEST_CREDENTIALS, TestApp } from './support/app';
import { awsCli } from './support/aws-cli';
import { errorCode, v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const ACCOUNT = '123456789012';

async function errorOf<E extends Error>(
  call: Promise<unknown>,
  type: new (...a: never[]) => E,
): Promise<E> {
  try {
    await call;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

const kmsErrorOf = (err: ECRServiceException): unknown =>
  (err as ECRServiceException & { kmsError?: string }).kmsError;

/** Pushes `bytes` as a layer through the ECR API, one part. */
async function pushLayer(ecr: ECRClient, repositoryName: string, bytes: Buffer): Promise<string> {
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  await ecr.send(
    new UploadLayerPartCommand({
      repositoryName,
      uploadId,
      partFirstByte: 0,
      partLastByte: bytes.length - 1,
      layerPartBlob: bytes,
    }),
  );
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const done = await ecr.send(
    new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }),
  );
  return done.layerDigest!;
}

describe('the KMS door and KMS-encrypted repositories', () => {
  let t: TestApp;
  const kmsClient = (credentials: Credentials = TEST_CREDENTIALS): KMSClient =>
    new KMSClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1 });

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a key and an alias with the AWS CLI, and describes the key through the alias', async () => {
    const created = await awsCli(t.url, [
      'kms',
      'create-key',
      '--description',
      'cli key',
      '--endpoint-url',
      t.url,
    ]);
    expect(created.code).toBe(0);
    const metadata = (
      created.json as { KeyMetadata: { KeyId: string; Arn: string; KeyState: string } }
    ).KeyMetadata;
    expect(metadata.KeyState).toBe('Enabled');
    expect(metadata.Arn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${metadata.KeyId}`);
    const alias = await awsCli(t.url, [
      'kms',
      'create-alias',
      '--alias-name',
      'alias/cli',
      '--target-key-id',
      metadata.KeyId,
      '--endpoint-url',
      t.url,
    ]);
    expect(alias.code).toBe(0);
    const described = await awsCli(t.url, [
      'kms',
      'describe-key',
      '--key-id',
      'alias/cli',
      '--endpoint-url',
      t.url,
    ]);
    expect((described.json as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId).toBe(
      metadata.KeyId,
    );
    const missing = await awsCli(t.url, [
      'kms',
      'describe-key',
      '--key-id',
      'alias/none',
      '--endpoint-url',
      t.url,
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NotFoundException');
  });

  it('encrypts, generates data keys and decrypts without a KeyId, across a rotation, through @aws-sdk/client-kms', async () => {
    const kms = kmsClient();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'sdk key' }));
    const keyId = KeyMetadata!.KeyId!;
    const context = { purpose: 'test' };
    const before = await kms.send(
      new EncryptCommand({
        KeyId: keyId,
        Plaintext: Buffer.from('secret'),
        EncryptionContext: context,
      }),
    );
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    expect(
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled,
    ).toBe(true);
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    expect(dataKey.Plaintext).toHaveLength(32);
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }),
    );
    expect(Buffer.from(opened.Plaintext!)).toEqual(Buffer.from(dataKey.Plaintext!));
    const old = await kms.send(
      new DecryptCommand({ CiphertextBlob: before.CiphertextBlob, EncryptionContext: context }),
    );
    expect(Buffer.from(old.Plaintext!).toString()).toBe('secret');
    expect(old.KeyId).toBe(KeyMetadata!.Arn);
    const wrongContext = await errorOf(
      kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob })),
      KMSServiceException,
    );
    expect(wrongContext.name).toBe('InvalidCiphertextException');

    const listed = await kms.send(new ListKeysCommand({}));
    expect(listed.Keys!.map((k) => k.KeyId)).toContain(keyId);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: keyId }));
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(aliases.Aliases!.map((a) => a.AliasName)).toEqual(['alias/sdk']);
    const taken = await errorOf(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: keyId })),
      KMSServiceException,
    );
    expect(taken.name).toBe('AlreadyExistsException');
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/sdk' }));
    kms.destroy();
  });

  it("answers another account's key as KMS does: AccessDenied by ARN, NotFound by id", async () => {
    const kms = kmsClient();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const other = await createAccount(t.url);
    const theirs = kmsClient(other.credentials);
    const byArn = await errorOf(
      theirs.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.Arn })),
      KMSServiceException,
    );
    expect(byArn.name).toBe('AccessDeniedException');
    const byId = await errorOf(
      theirs.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })),
      KMSServiceException,
    );
    expect(byId.name).toBe('NotFoundException');
    const blob = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('x') }),
    );
    const decrypt = await errorOf(
      theirs.send(new DecryptCommand({ CiphertextBlob: blob.CiphertextBlob })),
      KMSServiceException,
    );
    expect(decrypt.name).toBe('AccessDeniedException');
    kms.destroy();
    theirs.destroy();
  });

  it('refuses pushes into a repository whose key is disabled or pending deletion with KmsException', async () => {
    const kms = kmsClient();
    const ecr = t.client();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'repository key' }));
    const keyId = KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/images', TargetKeyId: keyId }));

    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'kms/app',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/images' },
      }),
    );
    expect(created.repository!.encryptionConfiguration).toEqual({
      encryptionType: 'KMS',
      kmsKey: KeyMetadata!.Arn,
    });
    const described = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['kms/app'] }),
    );
    expect(described.repositories![0].encryptionConfiguration!.kmsKey).toBe(KeyMetadata!.Arn);

    const layer = randomBytes(4096);
    expect(await pushLayer(ecr, 'kms/app', layer)).toMatch(/^sha256:/);

    // An upload begun while the key is enabled, completed after it is disabled.
    const { uploadId } = await ecr.send(
      new InitiateLayerUploadCommand({ repositoryName: 'kms/app' }),
    );
    const part = randomBytes(2048);
    await ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'kms/app',
        uploadId,
        partFirstByte: 0,
        partLastByte: part.length - 1,
        layerPartBlob: part,
      }),
    );
    const digest = `sha256:${createHash('sha256').update(part).digest('hex')}`;
    const complete = (): Promise<unknown> =>
      ecr.send(
        new CompleteLayerUploadCommand({
          repositoryName: 'kms/app',
          uploadId,
          layerDigests: [digest],
        }),
      );

    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    const disabled = await errorOf(complete(), ECRServiceException);
    expect(disabled.name).toBe('KmsException');
    expect(kmsErrorOf(disabled)).toBe('DisabledException');
    const initiate = await errorOf(
      ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'kms/app' })),
      ECRServiceException,
    );
    expect(initiate.name).toBe('KmsException');

    const appended = await errorOf(
      ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'kms/app',
          uploadId,
          partFirstByte: part.length,
          partLastByte: part.length,
          layerPartBlob: Buffer.from('x'),
        }),
      ),
      ECRServiceException,
    );
    expect([appended.name, kmsErrorOf(appended)]).toEqual(['KmsException', 'DisabledException']);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: part.length },
      layers: [],
    });
    const put = await errorOf(
      ecr.send(
        new PutImageCommand({ repositoryName: 'kms/app', imageManifest: manifest, imageTag: 'v1' }),
      ),
      ECRServiceException,
    );
    expect([put.name, kmsErrorOf(put)]).toEqual(['KmsException', 'DisabledException']);

    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    await expect(complete()).resolves.toBeDefined();

    const next = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'kms/app' }));
    const more = randomBytes(1024);
    await ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'kms/app',
        uploadId: next.uploadId,
        partFirstByte: 0,
        partLastByte: more.length - 1,
        layerPartBlob: more,
      }),
    );
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const pending = await errorOf(
      ecr.send(
        new CompleteLayerUploadCommand({
          repositoryName: 'kms/app',
          uploadId: next.uploadId,
          layerDigests: [`sha256:${createHash('sha256').update(more).digest('hex')}`],
        }),
      ),
      ECRServiceException,
    );
    expect(pending.name).toBe('KmsException');
    expect(kmsErrorOf(pending)).toBe('KMSInvalidStateException');

    // A new repository cannot take the key either.
    const refused = await errorOf(
      ecr.send(
        new CreateRepositoryCommand({
          repositoryName: 'kms/late',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: keyId },
        }),
      ),
      ECRServiceException,
    );
    expect(refused.name).toBe('KmsException');
    expect(kmsErrorOf(refused)).toBe('KMSInvalidStateException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    kms.destroy();
    ecr.destroy();
  });

  it("creates a repository under the account's aws/ecr key when KMS names no key, and refuses a missing key", async () => {
    const ecr = t.client();
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'kms/default',
        encryptionConfiguration: { encryptionType: 'KMS' },
      }),
    );
    const kms = kmsClient();
    const managed = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ecr' }));
    expect(managed.KeyMetadata!.KeyManager).toBe('AWS');
    expect(created.repository!.encryptionConfiguration!.kmsKey).toBe(managed.KeyMetadata!.Arn);
    // An AWS managed key is the service's to manage, not the account's.
    const manage = await errorOf(
      kms.send(new DisableKeyCommand({ KeyId: managed.KeyMetadata!.KeyId })),
      KMSServiceException,
    );
    expect(manage.name).toBe('AccessDeniedException');
    const reserved = await errorOf(
      kms.send(
        new CreateAliasCommand({
          AliasName: 'alias/aws/mine',
          TargetKeyId: managed.KeyMetadata!.KeyId,
        }),
      ),
      KMSServiceException,
    );
    expect(reserved.name).toBe('InvalidAliasNameException');
    const missing = await errorOf(
      ecr.send(
        new CreateRepositoryCommand({
          repositoryName: 'kms/missing',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/none' },
        }),
      ),
      ECRServiceException,
    );
    expect(missing.name).toBe('KmsException');
    expect(kmsErrorOf(missing)).toBe('NotFoundException');
    kms.destroy();
    ecr.destroy();
  });
  it("serves a layer's bytes through the download URL and /v2 only while the repository's key is enabled", async () => {
    const kms = kmsClient();
    const ecr = t.client();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const repositoryName = 'kms/pull';
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName,
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KeyMetadata!.Arn },
      }),
    );
    const config = Buffer.from(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    const layer = randomBytes(4096);
    const configDigest = await pushLayer(ecr, repositoryName, config);
    const layerDigest = await pushLayer(ecr, repositoryName, layer);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: layerDigest,
          size: layer.length,
        },
      ],
    });
    await ecr.send(
      new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: 'v1' }),
    );
    const { downloadUrl } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest }),
    );
    const headers = { authorization: basicAuth(await registryLogin(ecr)) };
    const download = async (): Promise<{ status: number; body: Buffer }> => {
      const res = await fetch(downloadUrl!);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    };
    const v2Get = () =>
      v2Request(t.url, 'GET', `/v2/${repositoryName}/blobs/${layerDigest}`, { headers });
    expect(await download()).toEqual({ status: 200, body: layer });
    expect((await v2Get()).status).toBe(200);

    await kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    const refused = await download();
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({
      __type: 'KmsException',
      kmsError: 'DisabledException',
    });
    const v2Refused = await v2Get();
    expect(v2Refused.status).toBe(403);
    expect(errorCode(v2Refused)).toBe('DENIED');
    expect(v2Refused.json).toMatchObject({
      errors: [{ detail: { kmsError: 'DisabledException' } }],
    });
    // What the database answers stays readable, as in ECR: the blob's existence.
    expect(
      (await v2Request(t.url, 'HEAD', `/v2/${repositoryName}/blobs/${layerDigest}`, { headers }))
        .status,
    ).toBe(200);

    await kms.send(new EnableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    expect(await download()).toEqual({ status: 200, body: layer });
    const again = await v2Get();
    expect(again.status).toBe(200);
    kms.destroy();
    ecr.destroy();
  });

  it('refuses a /v2 push into a repository whose key is disabled, naming the KMS error in detail', async () => {
    const kms = kmsClient();
    const ecr = t.client();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'kms/oci',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KeyMetadata!.Arn },
      }),
    );
    const headers = { authorization: basicAuth(await registryLogin(ecr)) };
    const bytes = randomBytes(512);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const push = (): ReturnType<typeof v2Request> =>
      v2Request(t.url, 'POST', `/v2/kms/oci/blobs/uploads/?digest=${digest}`, {
        headers: {
          ...headers,
          'content-type': 'application/octet-stream',
          'content-length': String(bytes.length),
        },
        body: bytes,
      });
    expect((await push()).status).toBe(201);

    await kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    const refused = await v2Request(t.url, 'POST', '/v2/kms/oci/blobs/uploads/', { headers });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('DENIED');
    expect(refused.json).toMatchObject({ errors: [{ detail: { kmsError: 'DisabledException' } }] });

    await kms.send(new EnableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    expect((await v2Request(t.url, 'POST', '/v2/kms/oci/blobs/uploads/', { headers })).status).toBe(
      202,
    );
    kms.destroy();
    ecr.destroy();
  });
});
