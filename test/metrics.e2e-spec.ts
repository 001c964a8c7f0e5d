import {
  CreateRepositoryCommand,
  GetDownloadUrlForLayerCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { admin } from './support/accounts';
import { rawCall, startTestApp, target, TestApp } from './support/app';
import { pushImageBlobs, putImage } from './support/images';
import { errorOf, initiate, layerBytes, sha256Digest, uploadPart } from './support/layers';
import { v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

/** The value of one sample of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let ecr: ECRClient;

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
  });
  afterAll(() => t.close());

  async function scrape(): Promise<{ text: string; contentType: string | null }> {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    return { text: await res.text(), contentType: res.headers.get('content-type') };
  }

  /** Counters move when a response is over: wait for the one a test expects. */
  async function eventually(series: string, atLeast: number): Promise<string> {
    let text = '';
    for (let i = 0; i < 40; i++) {
      text = (await scrape()).text;
      if ((sample(text, series) ?? -1) >= atLeast) return text;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${series} never reached ${atLeast}:\n${text}`);
  }

  it('serves the Prometheus text format, with process metrics', async () => {
    const { text, contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE berth_requests_total counter');
    expect(text).toContain('# TYPE berth_request_duration_seconds histogram');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('counts ECR requests by operation and error name, with their latency', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'metrics/app' }));
    expect(
      (await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'metrics/app' }))))
        .name,
    ).toBe('RepositoryAlreadyExistsException');
    await rawCall(t.url, target('DescribeRepositories'), '{}', undefined, { credentials: null });
    const text = await eventually(
      'berth_requests_total{api="ecr",operation="DescribeRepositories",error="MissingAuthenticationTokenException"}',
      1,
    );
    expect(
      sample(text, 'berth_requests_total{api="ecr",operation="CreateRepository",error=""}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'berth_requests_total{api="ecr",operation="CreateRepository",error="RepositoryAlreadyExistsException"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'berth_request_duration_seconds_count{api="ecr",operation="CreateRepository"}'),
    ).toBe(2);
    expect(
      sample(
        text,
        'berth_request_duration_seconds_bucket{le="+Inf",api="ecr",operation="CreateRepository"}',
      ),
    ).toBe(2);
  });

  it('counts admin requests by route, never by id', async () => {
    await admin(t.url, 'GET', '/admin/v1/accounts/000000000000');
    await admin(t.url, 'GET', '/admin/v1/accounts/999999999999');
    const text = await eventually(
      'berth_requests_total{api="admin",operation="GET /admin/v1/accounts/:accountId",error="Not Found"}',
      1,
    );
    expect(
      sample(
        text,
        'berth_requests_total{api="admin",operation="GET /admin/v1/accounts/:accountId",error=""}',
      ),
    ).toBe(1);
    // No label carries the id (a sample's value may well hold nines).
    const labels = text.split('\n').flatMap((line) => /\{[^}]*\}/.exec(line) ?? []);
    expect(labels.join('\n')).not.toContain('999999999999');
  });

  it('shows uploads in progress, bytes received and sent, and the database pool', async () => {
    const before = sample((await scrape()).text, 'berth_received_bytes_total{api="ecr"}') ?? 0;
    const uploadId = await initiate(ecr, 'metrics/app');
    await uploadPart(ecr, 'metrics/app', uploadId, layerBytes(300_000), 0);
    const text = await eventually('berth_uploads_in_progress', 1);
    expect(sample(text, 'berth_uploads_in_progress')).toBe(1);
    expect(sample(text, 'berth_upload_bytes_in_progress')).toBe(300_000);
    // The part travelled as base64 inside the JSON body.
    expect(sample(text, 'berth_received_bytes_total{api="ecr"}')! - before).toBeGreaterThan(
      400_000,
    );
    expect(sample(text, 'berth_sent_bytes_total{api="ecr"}')).toBeGreaterThan(0);
    expect(sample(text, 'berth_db_pool_max_connections')).toBe(t.config.databasePoolSize);
    for (const state of ['in_use', 'idle', 'waiting']) {
      expect(sample(text, `berth_db_pool_connections{state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts /v2 requests by operation name and error code, with their latency, never by name or digest', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'metrics/oci-secret-name' }));
    const headers = { authorization: basicAuth(await registryLogin(ecr)) };
    const otherBefore =
      sample(
        (await scrape()).text,
        'berth_requests_total{api="other",operation="unmatched",error=""}',
      ) ?? 0;
    await v2Request(t.url, 'GET', '/v2/');
    await v2Request(t.url, 'GET', '/v2/', { headers });
    const blob = Buffer.from('metrics blob');
    const digest = sha256Digest(blob);
    const base = '/v2/metrics/oci-secret-name';
    expect(
      (
        await v2Request(t.url, 'POST', `${base}/blobs/uploads/?digest=${digest}`, {
          headers,
          body: blob,
        })
      ).status,
    ).toBe(201);
    expect((await v2Request(t.url, 'HEAD', `${base}/blobs/${digest}`, { headers })).status).toBe(
      200,
    );
    const missing = sha256Digest(Buffer.from('nothing'));
    expect((await v2Request(t.url, 'GET', `${base}/blobs/${missing}`, { headers })).status).toBe(
      404,
    );
    expect((await v2Request(t.url, 'GET', `${base}/manifests/v9`, { headers })).status).toBe(404);
    expect((await v2Request(t.url, 'GET', '/v2/no/such/route/x', { headers })).status).toBe(404);
    const text = await eventually(
      'berth_requests_total{api="oci",operation="Unmatched",error="UNSUPPORTED"}',
      1,
    );
    const count = (operation: string, error: string): number | undefined =>
      sample(text, `berth_requests_total{api="oci",operation="${operation}",error="${error}"}`);
    expect(count('CheckApi', 'UNAUTHORIZED')).toBe(1);
    expect(count('CheckApi', '')).toBe(1);
    expect(count('PushBlob', '')).toBe(1);
    expect(count('HeadBlob', '')).toBe(1);
    expect(count('GetBlob', 'BLOB_UNKNOWN')).toBe(1);
    expect(count('GetManifest', 'MANIFEST_UNKNOWN')).toBe(1);
    expect(
      sample(text, 'berth_request_duration_seconds_count{api="oci",operation="CheckApi"}'),
    ).toBe(2);
    expect(sample(text, 'berth_received_bytes_total{api="oci"}')).toBeGreaterThan(blob.length);
    expect(sample(text, 'berth_sent_bytes_total{api="oci"}')).toBeGreaterThan(0);
    // Counted once, as /v2, not also among the other routes.
    expect(
      sample(text, 'berth_requests_total{api="other",operation="unmatched",error=""}') ?? 0,
    ).toBe(otherBefore);
    const labels = text.split('\n').flatMap((line) => /\{[^}]*\}/.exec(line) ?? []);
    expect(labels.join('\n')).not.toMatch(/oci-secret-name|sha256:|no\/such/);
  });

  it('counts the bytes of layer downloads', async () => {
    const image = await pushImageBlobs(ecr, 'metrics/app');
    await putImage(ecr, 'metrics/app', image.manifest, 'v1');
    const layer = image.layers[1];
    const { downloadUrl } = await ecr.send(
      new GetDownloadUrlForLayerCommand({
        repositoryName: 'metrics/app',
        layerDigest: sha256Digest(layer),
      }),
    );
    expect(Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer()).length).toBe(layer.length);
    const text = await eventually('berth_sent_bytes_total{api="download"}', layer.length);
    expect(
      sample(text, 'berth_requests_total{api="download",operation="LayerDownload",error=""}'),
    ).toBe(1);
  });
});
