import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
  ListImagesCommand,
} from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { admin, AdminResponse, createAccount } from './support/accounts';
import {
  Credentials,
  startTestApp,
  TEST_ADMIN_TOKEN,
  TEST_CREDENTIALS,
  TEST_MASTER_KEY,
  TestApp,
} from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { pushImageBlobs, putImage } from './support/images';
import {
  complete,
  errorOf,
  initiate,
  layerBytes,
  MiB,
  sha256Digest,
  uploadPart,
} from './support/layers';
import { SigningKeyService } from '../src/crypto/signing-key.service';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface AccessKey {
  accessKeyId: string;
  accountId: string;
  status: string;
  description: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  secretAccessKey?: string;
}

interface Repository {
  repositoryId: string;
  accountId: string;
  name: string;
  arn: string;
  imageCount: number;
  layerCount: number;
  storedBytes: number;
  uploadsInProgress: number;
}

interface Upload {
  uploadId: string;
  accountId: string;
  repositoryName: string;
  bytesReceived: number;
  parts: number;
  ageSeconds: number;
}

function expectProblem(res: AdminResponse, status: number): Problem {
  expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json') as string,
  });
  const problem = res.json as unknown as Problem;
  expect(problem).toMatchObject({ type: 'about:blank', status });
  expect(typeof problem.detail).toBe('string');
  expect(problem.requestId).toBe(res.headers.get('x-amzn-requestid'));
  return problem;
}

async function ecrError(promise: Promise<unknown>): Promise<ECRServiceException> {
  return errorOf(promise);
}

describe('the admin API', () => {
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: '100000000001' });
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('the OpenAPI document', () => {
    it('is served, with Swagger UI at /admin/docs, and lists every admin route', async () => {
      const ui = await fetch(`${t.url}/admin/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toContain('text/html');

      const res = await fetch(`${t.url}/admin/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { security?: unknown[] }>>;
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.components.securitySchemes['admin-token']).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      const documented = Object.entries(doc.paths)
        .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      // The routes the server really has, as Express knows them.
      const express = t.app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      };
      const served = new Set<string>();
      for (const layer of express.router.stack) {
        if (!layer.route?.path.startsWith('/admin/v1/')) continue;
        const path = layer.route.path.replace(/\/$/, '').replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods)) {
          served.add(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(documented).toEqual([...served].sort());
      expect(documented).toHaveLength(22);
      for (const methods of Object.values(doc.paths)) {
        for (const operation of Object.values(methods)) {
          expect(operation.security).toEqual([{ 'admin-token': [] }]);
        }
      }
    });
  });

  describe('the admin token', () => {
    /** Every documented route, with example values for its path parameters. */
    async function documentedRoutes(): Promise<[string, string][]> {
      const doc = (await (await fetch(`${t.url}/admin/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const examples: Record<string, string> = {
        accountId: '100000000001',
        accessKeyId: TEST_CREDENTIALS.accessKeyId,
        repositoryId: '1',
        uploadId: '00000000-0000-4000-8000-000000000000',
      };
      return Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((m): [string, string] => [
          m.toUpperCase(),
          path.replace(/\{(\w+)\}/g, (_, name: string) => examples[name]),
        ]),
      );
    }

    it('every route answers 401 problem+json without a token, and with a wrong one', async () => {
      const routes = await documentedRoutes();
      expect(routes).toHaveLength(22);
      for (const [method, path] of routes) {
        const body = method === 'GET' ? undefined : {};
        const none = await admin(t.url, method, path, body, null);
        expect({ route: `${method} ${path}`, status: none.status }).toEqual({
          route: `${method} ${path}`,
          status: 401,
        });
        expect(expectProblem(none, 401).title).toBe('Unauthorized');
        expect(none.headers.get('www-authenticate')).toBe('Bearer realm="berth-admin"');
        for (const token of ['wrong-token', `${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.slice(1)]) {
          expectProblem(await admin(t.url, method, path, body, token), 401);
        }
        const basic = await fetch(`${t.url}${path}`, {
          method,
          headers: {
            authorization: `Basic ${Buffer.from(`a:${TEST_ADMIN_TOKEN}`).toString('base64')}`,
          },
        });
        expect(basic.status).toBe(401);
      }
      // Nothing was done.
      const key = await admin<AccessKey>(
        t.url,
        'GET',
        `/admin/v1/access-keys/${TEST_CREDENTIALS.accessKeyId}`,
      );
      expect(key.json.status).toBe('Active');
      expect((await admin(t.url, 'GET', '/admin/v1/accounts/100000000001')).status).toBe(200);
    });

    it('does not open the ECR API, nor does a signature open the admin API', async () => {
      const res = await fetch(`${t.url}/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: '{}',
      });
      expect(res.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
    });
  });

  describe('accounts and the access key lifecycle', () => {
    let second: BerthProcess | undefined;

    afterAll(async () => {
      await second?.stop();
    });

    it('creates, lists with a cursor, gets, and refuses duplicates and bad input', async () => {
      for (const id of ['300000000001', '300000000002', '300000000003']) {
        const created = await admin(t.url, 'POST', '/admin/v1/accounts', {
          accountId: id,
          name: `team ${id}`,
        });
        expect(created.status).toBe(201);
        expect(created.json).toMatchObject({ accountId: id, name: `team ${id}` });
      }
      const generated = await admin<{ accountId: string }>(t.url, 'POST', '/admin/v1/accounts');
      expect(generated.status).toBe(201);
      expect(generated.json.accountId).toMatch(/^[1-9][0-9]{11}$/);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: AdminResponse<Page<{ accountId: string }>> = await admin(
          t.url,
          'GET',
          `/admin/v1/accounts?limit=2${query}`,
        );
        expect(page.status).toBe(200);
        expect(page.json.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.json.items.map((a) => a.accountId));
        cursor = page.json.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual([...seen].sort());
      expect(seen).toEqual(
        expect.arrayContaining(['100000000001', '300000000001', '300000000002', '300000000003']),
      );
      expect(pages).toBe(Math.ceil(seen.length / 2));

      const one = await admin(t.url, 'GET', '/admin/v1/accounts/300000000002');
      expect(one.json).toMatchObject({ accountId: '300000000002', name: 'team 300000000002' });
      expect(new Date((one.json as { createdAt: string }).createdAt).getTime()).toBeGreaterThan(0);

      expectProblem(
        await admin(t.url, 'POST', '/admin/v1/accounts', { accountId: '300000000001' }),
        409,
      );
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts/999999999999'), 404);
      const badId = expectProblem(
        await admin(t.url, 'POST', '/admin/v1/accounts', { accountId: '123' }),
        400,
      );
      expect(badId.detail).toContain('accountId must be exactly 12 digits');
      const unknown = expectProblem(
        await admin(t.url, 'POST', '/admin/v1/accounts', { colour: 'blue' }),
        400,
      );
      expect(unknown.detail).toContain('colour');
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts/12'), 400);
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts?limit=0'), 400);
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts?cursor=nonsense'), 400);
      const notJson = await fetch(`${t.url}/admin/v1/accounts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          'content-type': 'application/json',
        },
        body: '{"accountId": ',
      });
      expect(notJson.status).toBe(400);
      expect(notJson.headers.get('content-type')).toContain('application/problem+json');
    });

    it('answers 415 problem+json to a body that is not sent as JSON, and creates nothing', async () => {
      const before = await admin<{ items: unknown[] }>(t.url, 'GET', '/admin/v1/accounts');
      const body = JSON.stringify({ accountId: '300000000009', name: 'plain' });
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
        if (contentType) headers['content-type'] = contentType;
        const res = await fetch(`${t.url}/admin/v1/accounts`, { method: 'POST', headers, body });
        const text = await res.text();
        const problem = expectProblem(
          {
            status: res.status,
            headers: res.headers,
            json: JSON.parse(text) as Record<string, unknown>,
            text,
          },
          415,
        );
        expect(problem).toMatchObject({
          title: 'Unsupported Media Type',
          detail: 'The request body must be JSON, sent with Content-Type: application/json',
        });
      }
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts/300000000009'), 404);
      const after = await admin<{ items: unknown[] }>(t.url, 'GET', '/admin/v1/accounts');
      expect(after.json.items).toHaveLength(before.json.items.length);
      // JSON, with a charset or not, and a body-less POST are still served.
      const account = await admin(t.url, 'POST', '/admin/v1/accounts', {
        accountId: '300000000008',
      });
      expect(account.status).toBe(201);
      const key = await admin(t.url, 'POST', '/admin/v1/accounts/300000000008/access-keys');
      expect(key.status).toBe(201);
      const charset = await fetch(
        `${t.url}/admin/v1/access-keys/${key.json.accessKeyId as string}`,
        {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
            'content-type': 'application/json; charset=utf-8',
          },
          body: JSON.stringify({ status: 'Inactive' }),
        },
      );
      expect(charset.status).toBe(200);
    });

    it('shows a secret once; a deactivated key is refused at once by another instance', async () => {
      const created = await admin<AccessKey>(
        t.url,
        'POST',
        '/admin/v1/accounts/300000000001/access-keys',
        { description: 'CI' },
      );
      expect(created.status).toBe(201);
      const key = created.json;
      expect(key).toMatchObject({
        accountId: '300000000001',
        status: 'Active',
        description: 'CI',
        lastUsedAt: null,
      });
      expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      const credentials: Credentials = {
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey!,
      };

      // Never shown again: not in the list, not in the key's own resource.
      const listed = await admin<Page<AccessKey>>(
        t.url,
        'GET',
        '/admin/v1/accounts/300000000001/access-keys',
      );
      expect(listed.json.items.map((k) => k.accessKeyId)).toEqual([key.accessKeyId]);
      const got = await admin<AccessKey>(t.url, 'GET', `/admin/v1/access-keys/${key.accessKeyId}`);
      for (const res of [listed, got]) {
        expect(res.text).not.toContain(credentials.secretAccessKey);
        expect(res.text).not.toContain('secretAccessKey');
      }

      // A second instance: its own process, its own connections, the same database.
      second = await startBerthProcess({ DATABASE_URL: t.db.url });
      const clients: ECRClient[] = [t.client({ credentials }), t.client({ credentials })];
      const viaSecond = new ECRClient({
        endpoint: second.url,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
      try {
        await clients[0].send(new CreateRepositoryCommand({ repositoryName: 'lifecycle/app' }));
        const before = await viaSecond.send(new DescribeRepositoriesCommand({}));
        expect(before.repositories!.map((r) => r.registryId)).toEqual(['300000000001']);

        const deactivated = await admin<AccessKey>(
          t.url,
          'PATCH',
          `/admin/v1/access-keys/${key.accessKeyId}`,
          { status: 'Inactive' },
        );
        expect(deactivated.status).toBe(200);
        expect(deactivated.json.status).toBe('Inactive');
        // The very next call, on the other instance, is refused.
        const refused = await ecrError(viaSecond.send(new DescribeRepositoriesCommand({})));
        expect(refused.name).toBe('UnrecognizedClientException');
        expect(refused.$metadata.httpStatusCode).toBe(400);
        expect((await ecrError(clients[1].send(new DescribeRepositoriesCommand({})))).name).toBe(
          'UnrecognizedClientException',
        );

        await admin(t.url, 'PATCH', `/admin/v1/access-keys/${key.accessKeyId}`, {
          status: 'Active',
        });
        await viaSecond.send(new DescribeRepositoriesCommand({}));
        expectProblem(
          await admin(t.url, 'PATCH', `/admin/v1/access-keys/${key.accessKeyId}`, {
            status: 'Sleeping',
          }),
          400,
        );

        const deleted = await admin(t.url, 'DELETE', `/admin/v1/access-keys/${key.accessKeyId}`);
        expect(deleted.status).toBe(204);
        expect((await ecrError(viaSecond.send(new DescribeRepositoriesCommand({})))).name).toBe(
          'UnrecognizedClientException',
        );
        expectProblem(await admin(t.url, 'GET', `/admin/v1/access-keys/${key.accessKeyId}`), 404);
        expectProblem(
          await admin(t.url, 'DELETE', `/admin/v1/access-keys/${key.accessKeyId}`),
          404,
        );
      } finally {
        clients.forEach((c) => c.destroy());
        viaSecond.destroy();
      }
    }, 120_000);

    it('records when a key was last used', async () => {
      await t.client().send(new DescribeRepositoriesCommand({}));
      let lastUsedAt: string | null = null;
      for (let i = 0; i < 50 && !lastUsedAt; i++) {
        const key = await admin<AccessKey>(
          t.url,
          'GET',
          `/admin/v1/access-keys/${TEST_CREDENTIALS.accessKeyId}`,
        );
        lastUsedAt = key.json.lastUsedAt;
        if (!lastUsedAt) await new Promise((r) => setTimeout(r, 50));
      }
      expect(lastUsedAt).not.toBeNull();
    });

    it('refuses to delete an account that owns repositories, and deletes an empty one', async () => {
      const { credentials } = await createAccount(t.url, '300000000004');
      const client = t.client({ credentials });
      await client.send(new CreateRepositoryCommand({ repositoryName: 'owned/app' }));
      const conflict = expectProblem(
        await admin(t.url, 'DELETE', '/admin/v1/accounts/300000000004'),
        409,
      );
      expect(conflict.detail).toContain('still owns 1 repositories');
      const repos = await admin<Page<Repository>>(
        t.url,
        'GET',
        '/admin/v1/repositories?accountId=300000000004',
      );
      await admin(t.url, 'DELETE', `/admin/v1/repositories/${repos.json.items[0].repositoryId}`);
      expect((await admin(t.url, 'DELETE', '/admin/v1/accounts/300000000004')).status).toBe(204);
      // Its keys went with it.
      expect((await ecrError(client.send(new DescribeRepositoriesCommand({})))).name).toBe(
        'UnrecognizedClientException',
      );
      expectProblem(await admin(t.url, 'GET', '/admin/v1/accounts/300000000004'), 404);
    });
  });

  describe('repositories, layers, images and uploads', () => {
    let ecr: ECRClient;
    let repository: Repository;

    beforeAll(async () => {
      ecr = t.client();
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ops/app' }));
    });

    it('lists repositories with image and layer counts and stored bytes, and their contents', async () => {
      const image = await pushImageBlobs(ecr, 'ops/app');
      await putImage(ecr, 'ops/app', image.manifest, 'v1');
      const listed = await admin<Page<Repository>>(
        t.url,
        'GET',
        `/admin/v1/repositories?accountId=100000000001&name=${encodeURIComponent('ops/app')}`,
      );
      expect(listed.json.items).toHaveLength(1);
      repository = listed.json.items[0];
      const blobs = [image.config, ...image.layers];
      expect(repository).toMatchObject({
        accountId: '100000000001',
        name: 'ops/app',
        arn: 'arn:aws:ecr:us-east-1:100000000001:repository/ops/app',
        imageCount: 1,
        layerCount: 3,
        storedBytes:
          blobs.reduce((sum, b) => sum + b.length, 0) + Buffer.byteLength(image.manifest),
        uploadsInProgress: 0,
      });
      const one = await admin<Repository>(
        t.url,
        'GET',
        `/admin/v1/repositories/${repository.repositoryId}`,
      );
      expect(one.json).toEqual(repository);

      const layers = await admin<Page<{ digest: string; size: number }>>(
        t.url,
        'GET',
        `/admin/v1/repositories/${repository.repositoryId}/layers?limit=2`,
      );
      expect(layers.json.items).toHaveLength(2);
      const rest = await admin<Page<{ digest: string; size: number }>>(
        t.url,
        'GET',
        `/admin/v1/repositories/${repository.repositoryId}/layers?cursor=${layers.json.nextCursor}`,
      );
      expect(rest.json.nextCursor).toBeNull();
      expect([...layers.json.items, ...rest.json.items].map((l) => l.digest).sort()).toEqual(
        blobs.map((b) => sha256Digest(b)).sort(),
      );

      const images = await admin<Page<{ digest: string; tags: string[] }>>(
        t.url,
        'GET',
        `/admin/v1/repositories/${repository.repositoryId}/images`,
      );
      expect(images.json.items).toEqual([
        expect.objectContaining({ digest: image.digest, tags: ['v1'] }),
      ]);
      expectProblem(await admin(t.url, 'GET', '/admin/v1/repositories/999999'), 404);
      expectProblem(await admin(t.url, 'GET', '/admin/v1/repositories/abc'), 400);
    });

    it('lists uploads in progress with bytes and age; one aborted is gone for the ECR API too', async () => {
      const uploadId = await initiate(ecr, 'ops/app');
      const data = layerBytes(3000);
      await uploadPart(ecr, 'ops/app', uploadId, data, 0);
      const listed = await admin<Page<Upload>>(
        t.url,
        'GET',
        '/admin/v1/uploads?accountId=100000000001',
      );
      const upload = listed.json.items.find((u) => u.uploadId === uploadId)!;
      expect(upload).toMatchObject({
        accountId: '100000000001',
        repositoryName: 'ops/app',
        bytesReceived: 3000,
        parts: 1,
      });
      expect(upload.ageSeconds).toBeGreaterThanOrEqual(0);
      const repo = await admin<Repository>(
        t.url,
        'GET',
        `/admin/v1/repositories/${repository.repositoryId}`,
      );
      expect(repo.json.uploadsInProgress).toBe(1);

      expect((await admin(t.url, 'DELETE', `/admin/v1/uploads/${uploadId}`)).status).toBe(204);
      expect((await ecrError(uploadPart(ecr, 'ops/app', uploadId, data, 3000))).name).toBe(
        'UploadNotFoundException',
      );
      expect((await ecrError(complete(ecr, 'ops/app', uploadId, [sha256Digest(data)]))).name).toBe(
        'UploadNotFoundException',
      );
      expectProblem(await admin(t.url, 'GET', `/admin/v1/uploads/${uploadId}`), 404);
      expectProblem(await admin(t.url, 'DELETE', `/admin/v1/uploads/${uploadId}`), 404);
      expectProblem(await admin(t.url, 'DELETE', '/admin/v1/uploads/not-a-uuid'), 400);
    });

    it('purges expired uploads on demand, with a dry run first', async () => {
      const old = await initiate(ecr, 'ops/app');
      const fresh = await initiate(ecr, 'ops/app');
      // 5 MiB: a smaller part could only be the last one.
      const first = 5 * MiB;
      await uploadPart(ecr, 'ops/app', old, layerBytes(first), 0);
      await db.query(`UPDATE uploads SET updated_at = now() - interval '2 days' WHERE id = $1`, [
        old,
      ]);
      const dry = await admin<{
        dryRun: boolean;
        uploads: number;
        bytes: number;
        items: Upload[];
      }>(t.url, 'POST', '/admin/v1/maintenance/purge-expired-uploads', { dryRun: true });
      expect(dry.status).toBe(200);
      expect(dry.json).toMatchObject({ dryRun: true, uploads: 1, bytes: first });
      expect(dry.json.items.map((u) => u.uploadId)).toEqual([old]);
      expect(await uploadPart(ecr, 'ops/app', old, layerBytes(10), first)).toBe(first + 9);
      await db.query(`UPDATE uploads SET updated_at = now() - interval '2 days' WHERE id = $1`, [
        old,
      ]);

      const real = await admin(t.url, 'POST', '/admin/v1/maintenance/purge-expired-uploads', {});
      expect(real.json).toMatchObject({ dryRun: false, uploads: 1, bytes: first + 10, items: [] });
      expect(
        (await ecrError(uploadPart(ecr, 'ops/app', old, layerBytes(1), first + 10))).name,
      ).toBe('UploadNotFoundException');
      expect(await uploadPart(ecr, 'ops/app', fresh, layerBytes(10), 0)).toBe(9);
    });

    it('deletes a repository: refused while it holds images, unless forced', async () => {
      const path = `/admin/v1/repositories/${repository.repositoryId}`;
      const refused = expectProblem(await admin(t.url, 'DELETE', path), 409);
      expect(refused.detail).toContain('still contains images');
      expect((await admin(t.url, 'DELETE', `${path}?force=true`)).status).toBe(204);
      expect(
        (await ecrError(ecr.send(new ListImagesCommand({ repositoryName: 'ops/app' })))).name,
      ).toBe('RepositoryNotFoundException');
      expectProblem(await admin(t.url, 'GET', path), 404);
    });
  });

  describe('secrets at rest', () => {
    it('no row of any table holds a secret key or the admin token in plaintext', async () => {
      const { credentials } = await createAccount(t.url, '400000000001');
      const secrets = [
        credentials.secretAccessKey,
        TEST_CREDENTIALS.secretAccessKey,
        TEST_ADMIN_TOKEN,
      ];
      const tables = (
        await db.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
        )
      ).rows.map((r) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(['accounts', 'access_keys']));
      let dump = '';
      for (const table of tables) {
        const rows = await db.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${table}" t`,
        );
        dump += rows.rows.map((r) => r.row).join('\n');
      }
      expect(dump).toContain(credentials.accessKeyId);
      for (const secret of secrets) {
        // As text, and as the hex that bytea columns print as.
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
        expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
      }
      // The generated URL and token signing key is sealed too.
      const signingKey = Reflect.get(t.app.get(SigningKeyService), 'key') as Buffer;
      expect(dump).not.toContain(signingKey.toString('hex'));
      expect(dump).not.toContain(signingKey.toString('base64'));
      const sealed = await db.query<{ secret_ciphertext: Buffer }>(
        'SELECT secret_ciphertext FROM access_keys WHERE access_key_id = $1',
        [credentials.accessKeyId],
      );
      expect(
        sealed.rows[0].secret_ciphertext.includes(Buffer.from(credentials.secretAccessKey)),
      ).toBe(false);
    });

    it('an instance with another master key refuses to start on the same database', async () => {
      const other = Buffer.from('another test master key, 32 byte').toString('base64');
      expect(other).not.toBe(TEST_MASTER_KEY);
      await expect(startTestApp({ MASTER_KEY: other }, t.db)).rejects.toThrow(
        /not the key the secrets in this database were encrypted with/,
      );
    });
  });
});
