import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
} from '@aws-sdk/client-ecr';
import { startTestApp, TestApp } from './support/app';
import { pushImageBlobs, putImage } from './support/images';

/** Behaviours docs/ecr-compatibility.md settles where ECR's own sources leave a choice. */
describe('settled differences from a multi-region ECR', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ REGISTRY_ID: '123456789012', AWS_REGION: 'eu-west-1' });
  });
  afterAll(() => t.close());

  it("writes Berth's AWS_REGION into ARNs, whatever region the client signed for", async () => {
    const ap = t.client({ region: 'ap-southeast-2' });
    const created = await ap.send(new CreateRepositoryCommand({ repositoryName: 'compat/region' }));
    expect(created.repository!.repositoryArn).toBe(
      'arn:aws:ecr:eu-west-1:123456789012:repository/compat/region',
    );
    const us = t.client({ region: 'us-west-2' });
    const listed = await us.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['compat/region'] }),
    );
    expect(listed.repositories![0].repositoryArn).toBe(created.repository!.repositoryArn);
  });

  it('invents no scan for a scanOnPush repository: its images carry no scan status or findings', async () => {
    const ecr = t.client();
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'compat/scan',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    const image = await pushImageBlobs(ecr, 'compat/scan');
    await putImage(ecr, 'compat/scan', image.manifest, 'v1');
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'compat/scan' }));
    expect(out.imageDetails).toHaveLength(1);
    expect(out.imageDetails![0]).not.toHaveProperty('imageScanStatus');
    expect(out.imageDetails![0]).not.toHaveProperty('imageScanFindingsSummary');
  });
});
