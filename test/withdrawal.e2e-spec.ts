import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import * as net from 'node:net';
import { admin, createAccount } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { prepareCall } from './support/ecr-calls';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { pushLayer, sha256Digest } from './support/layers';

// What a withdrawn key, or a deleted repository or image, no longer reaches: a call whose body was
// still arriving when its key was deactivated, and download URLs issued before.

/** An HTTP/1.1 request on a raw socket, sent in two pieces: all but `heldBack` bytes, then the rest. */
function splitRequest(
  url: string,
  headers: Record<string, string>,
  body: string,
  heldBack: number,
): { sendRest(): void; response: Promise<{ status: number; json: Record<string, unknown> }> } {
  const { hostname, port, host } = new URL(url);
  const head =
    `POST / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  const bytes = Buffer.concat([Buffer.from(head), Buffer.from(body)]);
  const socket = net.connect(Number(port), hostname);
  socket.write(bytes.subarray(0, bytes.length - heldBack));
  const response = new Promise<{ status: number; json: Record<string, unknown> }>(
    (resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        const payload = text.slice(text.indexOf('\r\n\r\n') + 4);
        try {
          resolve({ status, json: JSON.parse(payload) as Record<string, unknown> });
        } catch (err) {
          reject(new Error(`not a JSON answer: ${text}: ${String(err)}`));
        }
      });
    },
  );
  return { sendRest: () => socket.write(bytes.subarray(bytes.length - heldBack)), response };
}

describe('withdrawn keys and repositories', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses a call whose key was deactivated while its body was arriving', async () => {
    const { accountId, credentials } = await createAccount(t.url, '400000000001');
    const client = t.client({ credentials });
    await client.send(new CreateRepositoryCommand({ repositoryName: 'inflight/app' }));
    const call = await prepareCall(
      t.url,
      'DeleteRepository',
      { repositoryName: 'inflight/app', force: true },
      credentials,
    );
    const request = splitRequest(t.url, call.headers, call.body, 5);
    // The headers, and so the key's first check, are in before the key is withdrawn.
    await new Promise((r) => setTimeout(r, 300));
    const deactivated = await admin(
      t.url,
      'PATCH',
      `/admin/v1/access-keys/${credentials.accessKeyId}`,
      {
        status: 'Inactive',
      },
    );
    expect(deactivated.status).toBe(200);
    request.sendRest();
    const answer = await request.response;
    expect(answer).toEqual({
      status: 400,
      json: {
        __type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
    });
    // The repository is still there, as the account's other key sees.
    const other = await admin<{ accessKeyId: string; secretAccessKey: string }>(
      t.url,
      'POST',
      `/admin/v1/accounts/${accountId}/access-keys`,
      {},
    );
    const listed = await t
      .client({ credentials: other.json })
      .send(new DescribeRepositoriesCommand({}));
    expect(listed.repositories?.map((r) => r.repositoryName)).toEqual(['inflight/app']);
  });

  describe('download URLs', () => {
    let client: ECRClient;
    let accessKeyId: string;

    beforeAll(async () => {
      const account = await createAccount(t.url, '400000000002');
      accessKeyId = account.credentials.accessKeyId;
      client = t.client({ credentials: account.credentials });
    });

    /** Pushes `image` (new blobs unless given) to `repo`; answers a URL of its first layer. */
    async function urlOfLayer(
      repo: string,
      image?: BuiltImage,
    ): Promise<{ url: string; image: BuiltImage }> {
      if (image) {
        for (const blob of [image.config, ...image.layers]) await pushLayer(client, repo, blob);
      }
      const pushed = image ?? (await pushImageBlobs(client, repo));
      await putImage(client, repo, pushed.manifest, 'v1');
      const out = await client.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: sha256Digest(pushed.layers[0]),
        }),
      );
      expect((await fetch(out.downloadUrl!)).status).toBe(200);
      return { url: out.downloadUrl!, image: pushed };
    }

    async function refusal(url: string): Promise<{ status: number; message: string }> {
      const res = await fetch(url);
      const json = (await res.json()) as { message: string };
      return { status: res.status, message: json.message };
    }

    it('answers 403 once the repository was deleted, even when one of its name is created again', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'dl/recreated' }));
      const { url, image } = await urlOfLayer('dl/recreated');
      await client.send(
        new DeleteRepositoryCommand({ repositoryName: 'dl/recreated', force: true }),
      );
      await client.send(new CreateRepositoryCommand({ repositoryName: 'dl/recreated' }));
      // The same image, pushed again to the new repository of that name.
      const again = (await urlOfLayer('dl/recreated', image)).url;
      expect(await refusal(url)).toEqual({
        status: 403,
        message:
          'The layer of this download URL is no longer in the repository it was issued for; request a new one with GetDownloadUrlForLayer',
      });
      expect(new URL(again).searchParams.get('repositoryId')).not.toBe(
        new URL(url).searchParams.get('repositoryId'),
      );
    });

    it('answers 403 once no image references the layer any more', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'dl/untagged' }));
      const { url } = await urlOfLayer('dl/untagged');
      await client.send(
        new BatchDeleteImageCommand({
          repositoryName: 'dl/untagged',
          imageIds: [{ imageTag: 'v1' }],
        }),
      );
      expect(await refusal(url)).toEqual({
        status: 403,
        message:
          'The layer of this download URL is no longer referenced by any image in its repository',
      });
    });

    it('answers 403 to a URL made before its key was deactivated, once the key is reactivated; one made since works', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'dl/reactivated' }));
      const { url, image } = await urlOfLayer('dl/reactivated');
      const key = `/admin/v1/access-keys/${accessKeyId}`;
      expect((await admin(t.url, 'PATCH', key, { status: 'Inactive' })).status).toBe(200);
      expect((await admin(t.url, 'PATCH', key, { status: 'Active' })).status).toBe(200);
      expect(await refusal(url)).toEqual({
        status: 403,
        message:
          'The access key that requested this download URL was deactivated since; request a new one with GetDownloadUrlForLayer',
      });
      const fresh = await client.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: 'dl/reactivated',
          layerDigest: sha256Digest(image.layers[0]),
        }),
      );
      expect((await fetch(fresh.downloadUrl!)).status).toBe(200);
      // Reactivating an active key, or deactivating an inactive one, withdraws nothing more.
      expect((await admin(t.url, 'PATCH', key, { status: 'Active' })).status).toBe(200);
      expect((await fetch(fresh.downloadUrl!)).status).toBe(200);
      // Nor can a URL be made to name another count: the signature covers it.
      const altered = new URL(fresh.downloadUrl!);
      altered.searchParams.set('deactivations', '0');
      expect(await refusal(altered.toString())).toEqual({
        status: 403,
        message: 'The download URL signature does not match; the URL was altered',
      });
      altered.searchParams.delete('deactivations');
      expect((await refusal(altered.toString())).status).toBe(403);
    });

    it('answers 403 once the key that asked for the URL is deactivated', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'dl/withdrawn' }));
      const { url } = await urlOfLayer('dl/withdrawn');
      const deactivated = await admin(t.url, 'PATCH', `/admin/v1/access-keys/${accessKeyId}`, {
        status: 'Inactive',
      });
      expect(deactivated.status).toBe(200);
      expect(await refusal(url)).toEqual({
        status: 403,
        message: 'The access key that requested this download URL is no longer active',
      });
      expect(new URL(url).searchParams.get('accessKeyId')).toBe(accessKeyId);
    });
  });
});
