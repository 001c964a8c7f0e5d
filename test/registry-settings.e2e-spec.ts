import {
  BatchGetImageCommand,
  BatchGetRepositoryScanningConfigurationCommand,
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCommand,
  DeletePullThroughCacheRuleCommand,
  DeleteRegistryPolicyCommand,
  DeleteSigningConfigurationCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImageReplicationStatusCommand,
  DescribeImageScanFindingsCommand,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAccountSettingCommand,
  GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand,
  GetSigningConfigurationCommand,
  ListPullTimeUpdateExclusionsCommand,
  PutAccountSettingCommand,
  PutImageScanningConfigurationCommand,
  PutRegistryPolicyCommand,
  PutRegistryScanningConfigurationCommand,
  PutReplicationConfigurationCommand,
  PutSigningConfigurationCommand,
  RegisterPullTimeUpdateExclusionCommand,
  StartImageScanCommand,
  UpdateImageStorageClassCommand,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
  type ReplicationConfiguration,
} from '@aws-sdk/client-ecr';
import { startTestApp, TEST_CREDENTIALS, type TestApp } from './support/app';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { errorOf, sha256Digest } from './support/layers';
import { errorCode, v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const REPO = 'settings/app';

/** The client's error: its name, status and message. */
async function failure(
  call: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  const err = await errorOf(call);
  return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
}

// The registry-level operations through @aws-sdk/client-ecr: each happy path, each error a
// client can cause, reads after writes returning exactly what was written, and the sequences
// Terraform's AWS provider runs for aws_ecr_replication_configuration,
// aws_ecr_registry_scanning_configuration and aws_ecr_registry_policy.
describe('registry settings', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let image: BuiltImage;

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT });
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    image = await pushImageBlobs(ecr, REPO);
    await putImage(ecr, REPO, image.manifest, 'v1');
  });
  afterAll(() => t.close());

  describe('replication', () => {
    const describeRegistry = () => ecr.send(new DescribeRegistryCommand({}));

    it('DescribeRegistry answers the registry and an empty rule list before any put', async () => {
      const out = await describeRegistry();
      expect(out.registryId).toBe(ACCOUNT);
      expect(out.replicationConfiguration).toEqual({ rules: [] });
    });

    it('replays aws_ecr_replication_configuration: create, read, update, read, delete, read', async () => {
      const created: ReplicationConfiguration = {
        rules: [
          {
            destinations: [{ region: 'eu-west-1', registryId: ACCOUNT }],
            repositoryFilters: [{ filter: 'settings', filterType: 'PREFIX_MATCH' }],
          },
        ],
      };
      const put = await ecr.send(
        new PutReplicationConfigurationCommand({ replicationConfiguration: created }),
      );
      expect(put.replicationConfiguration).toEqual(created);
      expect((await describeRegistry()).replicationConfiguration).toEqual(created);

      // Without filters the rule has no repositoryFilters member, as written.
      const updated: ReplicationConfiguration = {
        rules: [
          {
            destinations: [
              { region: 'us-west-2', registryId: OTHER },
              { region: 'eu-west-1', registryId: ACCOUNT },
            ],
          },
          {
            destinations: [{ region: 'ap-south-1', registryId: ACCOUNT }],
            repositoryFilters: [{ filter: 'other', filterType: 'PREFIX_MATCH' }],
          },
        ],
      };
      await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: updated }));
      const read = (await describeRegistry()).replicationConfiguration!;
      expect(read).toEqual(updated);
      expect('repositoryFilters' in read.rules![0]).toBe(false);

      // Terraform's delete puts an empty rule list.
      await ecr.send(
        new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [] } }),
      );
      expect((await describeRegistry()).replicationConfiguration).toEqual({ rules: [] });
    });

    it('refuses a destination that is the registry itself, too many rules, and a bad region', async () => {
      expect(
        await failure(
          ecr.send(
            new PutReplicationConfigurationCommand({
              replicationConfiguration: {
                rules: [{ destinations: [{ region: 'us-east-1', registryId: ACCOUNT }] }],
              },
            }),
          ),
        ),
      ).toEqual({
        name: 'InvalidParameterException',
        status: 400,
        message:
          "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination cannot be the same as the source registry'",
      });
      const rules = Array.from({ length: 11 }, () => ({
        destinations: [{ region: 'eu-west-1', registryId: OTHER }],
      }));
      const tooMany = await failure(
        ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } })),
      );
      expect(tooMany.name).toBe('InvalidParameterException');
      expect(tooMany.message).toContain('less than or equal to 10');
      const destinations = Array.from({ length: 26 }, (_, i) => ({
        region: 'eu-west-1',
        registryId: String(100000000000 + i),
      }));
      const tooFar = await failure(
        ecr.send(
          new PutReplicationConfigurationCommand({
            replicationConfiguration: { rules: [{ destinations }] },
          }),
        ),
      );
      expect(tooFar.name).toBe('InvalidParameterException');
      expect(tooFar.message).toContain('must not exceed 25');
      const region = await failure(
        ecr.send(
          new PutReplicationConfigurationCommand({
            replicationConfiguration: {
              rules: [{ destinations: [{ region: 'EU_WEST', registryId: OTHER }] }],
            },
          }),
        ),
      );
      expect(region.name).toBe('InvalidParameterException');
      // Nothing of a refused put was stored.
      expect((await describeRegistry()).replicationConfiguration).toEqual({ rules: [] });
    });

    it('DescribeImageReplicationStatus says each destination FAILED: Berth does not replicate', async () => {
      const none = await ecr.send(
        new DescribeImageReplicationStatusCommand({
          repositoryName: REPO,
          imageId: { imageTag: 'v1' },
        }),
      );
      expect(none.replicationStatuses).toEqual([]);
      expect(none.imageId).toEqual({ imageDigest: image.digest, imageTag: 'v1' });
      await ecr.send(
        new PutReplicationConfigurationCommand({
          replicationConfiguration: {
            rules: [{ destinations: [{ region: 'eu-west-1', registryId: OTHER }] }],
          },
        }),
      );
      const status = await ecr.send(
        new DescribeImageReplicationStatusCommand({
          repositoryName: REPO,
          imageId: { imageDigest: image.digest },
        }),
      );
      expect(status.replicationStatuses).toEqual([
        {
          region: 'eu-west-1',
          registryId: OTHER,
          status: 'FAILED',
          failureCode: 'Replication is not available in Berth',
        },
      ]);
      expect(
        (
          await failure(
            ecr.send(
              new DescribeImageReplicationStatusCommand({
                repositoryName: REPO,
                imageId: { imageTag: 'missing' },
              }),
            ),
          )
        ).name,
      ).toBe('ImageNotFoundException');
      expect(
        (
          await failure(
            ecr.send(
              new DescribeImageReplicationStatusCommand({
                repositoryName: 'settings/none',
                imageId: { imageTag: 'v1' },
              }),
            ),
          )
        ).name,
      ).toBe('RepositoryNotFoundException');
      await ecr.send(
        new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [] } }),
      );
    });
  });

  describe('account settings', () => {
    it('answers the defaults, stores what is put, and refuses unknown names and values', async () => {
      const get = (name: string) => ecr.send(new GetAccountSettingCommand({ name }));
      expect(await get('BASIC_SCAN_TYPE_VERSION')).toMatchObject({
        name: 'BASIC_SCAN_TYPE_VERSION',
        value: 'AWS_NATIVE',
      });
      expect(await get('REGISTRY_POLICY_SCOPE')).toMatchObject({ value: 'V2' });
      expect(await get('BLOB_MOUNTING')).toMatchObject({ value: 'ENABLED' });
      const put = await ecr.send(
        new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' }),
      );
      expect(put).toMatchObject({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' });
      expect(await get('REGISTRY_POLICY_SCOPE')).toMatchObject({ value: 'V1' });

      const name = await failure(get('NO_SUCH_SETTING'));
      expect(name).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(name.message).toContain("'NO_SUCH_SETTING'");
      const value = await failure(
        ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ON' })),
      );
      expect(value).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(value.message).toContain('ENABLED, DISABLED');
      expect(await get('BLOB_MOUNTING')).toMatchObject({ value: 'ENABLED' });
      const empty = await failure(get(''));
      expect(empty.name).toBe('InvalidParameterException');
    });

    it('BLOB_MOUNTING governs /v2 cross-repository mounts: DISABLED answers 202 with an upload', async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'settings/mount' }));
      const auth = { authorization: basicAuth(await registryLogin(ecr)) };
      const digest = sha256Digest(image.layers[0]);
      const mount = () =>
        v2Request(t.url, 'POST', `/v2/settings/mount/blobs/uploads/?mount=${digest}&from=${REPO}`, {
          headers: auth,
        });
      await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }));
      const declined = await mount();
      expect(declined.status).toBe(202);
      expect(declined.headers.location).toMatch(/^\/v2\/settings\/mount\/blobs\/uploads\//);
      const head = await v2Request(t.url, 'HEAD', `/v2/settings/mount/blobs/${digest}`, {
        headers: auth,
      });
      expect(head.status).toBe(404);

      await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
      const mounted = await mount();
      expect(mounted.status).toBe(201);
      expect(mounted.headers.location).toBe(`/v2/settings/mount/blobs/${digest}`);
      const after = await v2Request(t.url, 'HEAD', `/v2/settings/mount/blobs/${digest}`, {
        headers: auth,
      });
      expect(after.status).toBe(200);
      expect(errorCode(after)).toBeUndefined();
    });
  });

  describe('scanning', () => {
    const getScanning = () => ecr.send(new GetRegistryScanningConfigurationCommand({}));

    it('replays aws_ecr_registry_scanning_configuration: create, read, update, read, delete, read', async () => {
      expect(await getScanning()).toMatchObject({
        registryId: ACCOUNT,
        scanningConfiguration: { scanType: 'BASIC', rules: [] },
      });
      const created = {
        scanType: 'ENHANCED' as const,
        rules: [
          {
            scanFrequency: 'CONTINUOUS_SCAN' as const,
            repositoryFilters: [{ filter: 'settings/*', filterType: 'WILDCARD' as const }],
          },
        ],
      };
      const put = await ecr.send(new PutRegistryScanningConfigurationCommand(created));
      expect(put.registryScanningConfiguration).toEqual(created);
      expect((await getScanning()).scanningConfiguration).toEqual(created);

      const updated = {
        scanType: 'BASIC' as const,
        rules: [
          {
            scanFrequency: 'SCAN_ON_PUSH' as const,
            repositoryFilters: [
              { filter: 'prod*', filterType: 'WILDCARD' as const },
              { filter: 'settings/app', filterType: 'WILDCARD' as const },
            ],
          },
        ],
      };
      await ecr.send(new PutRegistryScanningConfigurationCommand(updated));
      expect((await getScanning()).scanningConfiguration).toEqual(updated);

      // Terraform's delete puts BASIC with no rules.
      await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
      expect((await getScanning()).scanningConfiguration).toEqual({ scanType: 'BASIC', rules: [] });
    });

    it('refuses CONTINUOUS_SCAN with BASIC, more than 2 rules, a bad filter and a bad frequency', async () => {
      const basic = await failure(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            scanType: 'BASIC',
            rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [] }],
          }),
        ),
      );
      expect(basic.name).toBe('InvalidParameterException');
      const rule = { scanFrequency: 'SCAN_ON_PUSH' as const, repositoryFilters: [] };
      const three = await failure(
        ecr.send(new PutRegistryScanningConfigurationCommand({ rules: [rule, rule, rule] })),
      );
      expect(three.message).toContain('less than or equal to 2');
      const twice = await failure(
        ecr.send(new PutRegistryScanningConfigurationCommand({ rules: [rule, rule] })),
      );
      expect(twice.name).toBe('InvalidParameterException');
      const filter = await failure(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            rules: [
              {
                scanFrequency: 'SCAN_ON_PUSH',
                repositoryFilters: [{ filter: 'UPPER', filterType: 'WILDCARD' }],
              },
            ],
          }),
        ),
      );
      expect(filter.name).toBe('InvalidParameterException');
      const frequency = await failure(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            rules: [{ scanFrequency: 'HOURLY' as 'MANUAL', repositoryFilters: [] }],
          }),
        ),
      );
      expect(frequency.name).toBe('InvalidParameterException');
      expect((await getScanning()).scanningConfiguration).toEqual({ scanType: 'BASIC', rules: [] });
    });

    it('PutImageScanningConfiguration is stored and BatchGetRepositoryScanningConfiguration reports it', async () => {
      const put = await ecr.send(
        new PutImageScanningConfigurationCommand({
          repositoryName: REPO,
          imageScanningConfiguration: { scanOnPush: true },
        }),
      );
      expect(put).toMatchObject({
        registryId: ACCOUNT,
        repositoryName: REPO,
        imageScanningConfiguration: { scanOnPush: true },
      });
      const described = await ecr.send(
        new DescribeRepositoriesCommand({ repositoryNames: [REPO] }),
      );
      expect(described.repositories![0].imageScanningConfiguration).toEqual({ scanOnPush: true });

      const batch = await ecr.send(
        new BatchGetRepositoryScanningConfigurationCommand({
          repositoryNames: [REPO, 'settings/none'],
        }),
      );
      expect(batch.scanningConfigurations).toEqual([
        {
          repositoryArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPO}`,
          repositoryName: REPO,
          scanOnPush: true,
          scanFrequency: 'SCAN_ON_PUSH',
          appliedScanFilters: [],
        },
      ]);
      expect(batch.failures).toEqual([
        {
          repositoryName: 'settings/none',
          failureCode: 'REPOSITORY_NOT_FOUND',
          failureReason: 'REPOSITORY_NOT_FOUND',
        },
      ]);

      // A registry rule that matches decides, with the filters that matched.
      await ecr.send(
        new PutRegistryScanningConfigurationCommand({
          scanType: 'ENHANCED',
          rules: [
            {
              scanFrequency: 'CONTINUOUS_SCAN',
              repositoryFilters: [
                { filter: 'settings/*', filterType: 'WILDCARD' },
                { filter: 'nothing', filterType: 'WILDCARD' },
              ],
            },
          ],
        }),
      );
      const ruled = await ecr.send(
        new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [REPO] }),
      );
      expect(ruled.scanningConfigurations![0]).toMatchObject({
        scanOnPush: false,
        scanFrequency: 'CONTINUOUS_SCAN',
        appliedScanFilters: [{ filter: 'settings/*', filterType: 'WILDCARD' }],
      });
      await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));

      await ecr.send(
        new PutImageScanningConfigurationCommand({
          repositoryName: REPO,
          imageScanningConfiguration: {},
        }),
      );
      const off = await ecr.send(
        new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [REPO] }),
      );
      expect(off.scanningConfigurations![0]).toMatchObject({
        scanOnPush: false,
        scanFrequency: 'MANUAL',
      });

      expect(
        (
          await failure(
            ecr.send(
              new PutImageScanningConfigurationCommand({
                repositoryName: 'settings/none',
                imageScanningConfiguration: { scanOnPush: true },
              }),
            ),
          )
        ).name,
      ).toBe('RepositoryNotFoundException');
      const tooMany = await failure(
        ecr.send(
          new BatchGetRepositoryScanningConfigurationCommand({
            repositoryNames: Array.from({ length: 26 }, (_, i) => `r${i}x`),
          }),
        ),
      );
      expect(tooMany.name).toBe('InvalidParameterException');
    });

    it('StartImageScan and DescribeImageScanFindings say Berth has no scanner, after finding the image', async () => {
      const start = await failure(
        ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } })),
      );
      expect(start).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(start.message).toContain('Image scanning is not available in Berth');
      const findings = await failure(
        ecr.send(
          new DescribeImageScanFindingsCommand({
            repositoryName: REPO,
            imageId: { imageTag: 'v1' },
          }),
        ),
      );
      expect(findings).toMatchObject({ name: 'ScanNotFoundException', status: 400 });
      expect(findings.message).toContain('image scanning is not available in Berth');
      for (const call of [
        () =>
          ecr.send(
            new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'nope' } }),
          ),
        () =>
          ecr.send(
            new DescribeImageScanFindingsCommand({
              repositoryName: REPO,
              imageId: { imageTag: 'nope' },
            }),
          ),
      ]) {
        expect((await failure(call())).name).toBe('ImageNotFoundException');
      }
      expect(
        (
          await failure(
            ecr.send(
              new StartImageScanCommand({
                repositoryName: 'settings/none',
                imageId: { imageTag: 'v1' },
              }),
            ),
          )
        ).name,
      ).toBe('RepositoryNotFoundException');
    });
  });

  describe('the registry policy', () => {
    const policy = (actions: string[], principal = `arn:aws:iam::${OTHER}:root`): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'replication',
            Effect: 'Allow',
            Principal: { AWS: principal },
            Action: actions,
            Resource: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`],
          },
        ],
      });

    it('replays aws_ecr_registry_policy: create, read, update, read, delete, read', async () => {
      const missing = await failure(ecr.send(new GetRegistryPolicyCommand({})));
      expect(missing).toEqual({
        name: 'RegistryPolicyNotFoundException',
        status: 400,
        message: `Registry policy does not exist in the registry with id '${ACCOUNT}'`,
      });
      const created = policy(['ecr:ReplicateImage', 'ecr:CreateRepository']);
      expect(await ecr.send(new PutRegistryPolicyCommand({ policyText: created }))).toMatchObject({
        registryId: ACCOUNT,
        policyText: created,
      });
      expect((await ecr.send(new GetRegistryPolicyCommand({}))).policyText).toBe(created);

      // The text comes back exactly as written, spacing included.
      const updated = JSON.stringify(JSON.parse(policy(['ecr:*'], '*')), null, 2);
      await ecr.send(new PutRegistryPolicyCommand({ policyText: updated }));
      expect(await ecr.send(new GetRegistryPolicyCommand({}))).toMatchObject({
        registryId: ACCOUNT,
        policyText: updated,
      });

      const deleted = await ecr.send(new DeleteRegistryPolicyCommand({}));
      expect(deleted).toMatchObject({ registryId: ACCOUNT, policyText: updated });
      expect((await failure(ecr.send(new GetRegistryPolicyCommand({})))).name).toBe(
        'RegistryPolicyNotFoundException',
      );
      expect((await failure(ecr.send(new DeleteRegistryPolicyCommand({})))).name).toBe(
        'RegistryPolicyNotFoundException',
      );
    });

    it('refuses text that is not an IAM policy of ECR actions, and stores nothing of it', async () => {
      const bad = [
        '',
        'not json',
        '[]',
        JSON.stringify({ Statement: [] }),
        JSON.stringify({ Version: '2012-10-17', Statement: [] }),
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'ecr:*', Resource: '*' }],
        }),
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
        }),
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }],
        }),
        policy(['ecr:ReplicateImage']).replace('"Sid"', '"Extra"'),
        'x'.repeat(10241),
      ];
      for (const policyText of bad) {
        const err = await failure(ecr.send(new PutRegistryPolicyCommand({ policyText })));
        expect({ policyText: policyText.slice(0, 60), ...err }).toEqual({
          policyText: policyText.slice(0, 60),
          name: 'InvalidParameterException',
          status: 400,
          message:
            policyText.length > 10240
              ? "Invalid parameter at 'policyText' failed to satisfy constraint: 'must have length less than or equal to 10240'"
              : "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'",
        });
      }
      expect((await failure(ecr.send(new GetRegistryPolicyCommand({})))).name).toBe(
        'RegistryPolicyNotFoundException',
      );
    });
  });

  describe('pull time update exclusions', () => {
    const arn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;

    it('registers, lists in pages, refuses duplicates and deregisters', async () => {
      const added = await ecr.send(
        new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('ci') }),
      );
      expect(added.principalArn).toBe(arn('ci'));
      expect(added.createdAt).toBeInstanceOf(Date);
      await ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('bot') }));
      const dup = await failure(
        ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('ci') })),
      );
      expect(dup).toMatchObject({ name: 'ExclusionAlreadyExistsException', status: 400 });

      const all = await ecr.send(new ListPullTimeUpdateExclusionsCommand({}));
      expect(all.pullTimeUpdateExclusions).toEqual([arn('bot'), arn('ci')]);
      expect(all.nextToken).toBeUndefined();
      const first = await ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1 }));
      expect(first.pullTimeUpdateExclusions).toEqual([arn('bot')]);
      const second = await ecr.send(
        new ListPullTimeUpdateExclusionsCommand({ maxResults: 1, nextToken: first.nextToken }),
      );
      expect(second.pullTimeUpdateExclusions).toEqual([arn('ci')]);
      expect(second.nextToken).toBeUndefined();

      expect(
        await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('bot') })),
      ).toMatchObject({ principalArn: arn('bot') });
      const gone = await failure(
        ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('bot') })),
      );
      expect(gone).toMatchObject({ name: 'ExclusionNotFoundException', status: 400 });
      expect(
        (await ecr.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions,
      ).toEqual([arn('ci')]);
      await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('ci') }));
    });

    it("are honoured: an excluded key's pulls, on either door, leave lastRecordedPullTime alone", async () => {
      const repositoryName = 'settings/pulls';
      await ecr.send(new CreateRepositoryCommand({ repositoryName }));
      const pushed = await pushImageBlobs(ecr, repositoryName);
      await putImage(ecr, repositoryName, pushed.manifest, 'v1');
      const lastPull = async (): Promise<Date | undefined> =>
        (
          await ecr.send(
            new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }] }),
          )
        ).imageDetails![0].lastRecordedPullTime;
      const pull = () =>
        ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }] }));
      const auth = { authorization: basicAuth(await registryLogin(ecr)) };
      const self = arn(TEST_CREDENTIALS.accessKeyId);

      await ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: self }));
      expect((await pull()).images).toHaveLength(1);
      const manifest = await v2Request(t.url, 'GET', `/v2/${repositoryName}/manifests/v1`, {
        headers: auth,
      });
      expect(manifest.status).toBe(200);
      expect(await lastPull()).toBeUndefined();

      await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: self }));
      const before = Date.now();
      await pull();
      const recorded = await lastPull();
      expect(recorded).toBeInstanceOf(Date);
      expect(recorded!.getTime()).toBeGreaterThanOrEqual(before - 5000);
    });

    it('refuses an ARN that is no IAM user or role, and a token it did not issue', async () => {
      for (const principalArn of ['ci', `arn:aws:iam::${ACCOUNT}:group/ci`, `arn:aws:s3:::b`]) {
        const err = await failure(
          ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn })),
        );
        expect(err.name).toBe('InvalidParameterException');
      }
      const token = await failure(
        ecr.send(new ListPullTimeUpdateExclusionsCommand({ nextToken: 'garbage' })),
      );
      expect(token.name).toBe('InvalidParameterException');
    });
  });

  describe('signing configuration', () => {
    it('is stored, returned exactly and deleted', async () => {
      const missing = await failure(ecr.send(new GetSigningConfigurationCommand({})));
      expect(missing).toMatchObject({ name: 'SigningConfigurationNotFoundException', status: 400 });
      const configuration = {
        rules: [
          {
            signingProfileArn: `arn:aws:signer:us-east-1:${ACCOUNT}:/signing-profiles/berth_profile`,
            repositoryFilters: [{ filter: 'settings/*', filterType: 'WILDCARD_MATCH' as const }],
          },
          { signingProfileArn: `arn:aws:signer:us-east-1:${ACCOUNT}:/signing-profiles/other` },
        ],
      };
      const put = await ecr.send(
        new PutSigningConfigurationCommand({ signingConfiguration: configuration }),
      );
      expect(put.signingConfiguration).toEqual(configuration);
      expect(await ecr.send(new GetSigningConfigurationCommand({}))).toMatchObject({
        registryId: ACCOUNT,
        signingConfiguration: configuration,
      });
      const deleted = await ecr.send(new DeleteSigningConfigurationCommand({}));
      expect(deleted).toMatchObject({ registryId: ACCOUNT, signingConfiguration: configuration });
      expect((await failure(ecr.send(new DeleteSigningConfigurationCommand({})))).name).toBe(
        'SigningConfigurationNotFoundException',
      );
      const bad = await failure(
        ecr.send(
          new PutSigningConfigurationCommand({
            signingConfiguration: { rules: [{ signingProfileArn: 'arn:aws:signer:nope' }] },
          }),
        ),
      );
      expect(bad.name).toBe('InvalidParameterException');
    });
  });

  describe('what Berth does not have', () => {
    it('answers each with the model error that says so', async () => {
      const prefix = 'hub';
      const create = await failure(
        ecr.send(
          new CreatePullThroughCacheRuleCommand({
            ecrRepositoryPrefix: prefix,
            upstreamRegistryUrl: 'registry-1.docker.io',
          }),
        ),
      );
      expect(create).toMatchObject({ name: 'UnsupportedUpstreamRegistryException', status: 400 });
      expect(create.message).toContain('not available in Berth');
      expect(
        (await ecr.send(new DescribePullThroughCacheRulesCommand({}))).pullThroughCacheRules,
      ).toEqual([]);
      for (const call of [
        () =>
          ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: [prefix] })),
        () => ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix })),
        () => ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix })),
        () => ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix })),
      ]) {
        const err = await failure(call());
        expect(err).toMatchObject({ name: 'PullThroughCacheRuleNotFoundException', status: 400 });
        expect(err.message).toContain(`'${prefix}'`);
      }
      const signing = await failure(
        ecr.send(
          new DescribeImageSigningStatusCommand({
            repositoryName: REPO,
            imageId: { imageTag: 'v1' },
          }),
        ),
      );
      expect(signing).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(signing.message).toContain('Image signing is not available in Berth');
      const storage = await failure(
        ecr.send(
          new UpdateImageStorageClassCommand({
            repositoryName: REPO,
            imageId: { imageTag: 'v1' },
            targetStorageClass: 'ARCHIVE',
          }),
        ),
      );
      expect(storage).toMatchObject({
        name: 'ImageStorageClassUpdateNotSupportedException',
        status: 400,
      });
      const missing = await failure(
        ecr.send(
          new UpdateImageStorageClassCommand({
            repositoryName: REPO,
            imageId: { imageTag: 'nope' },
            targetStorageClass: 'ARCHIVE',
          }),
        ),
      );
      expect(missing.name).toBe('ImageNotFoundException');
    });
  });
});
