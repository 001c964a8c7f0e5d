import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { admin, AdminResponse } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { createTestDatabase, TestDatabase } from './support/database';
import { initiate } from './support/layers';

/**
 * What reached PostgreSQL from the admin API and failed there (a 500, and a log line with the
 * statement's parameters): forged cursors, NUL characters, bodies nested thousands of levels.
 * Each is a 400 problem+json now, and no log line ever holds a statement's parameters.
 */

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const cursorOf = (position: unknown): string =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

function expectBadRequest(res: AdminResponse, route: string): string {
  expect({ route, status: res.status, type: res.headers.get('content-type') }).toEqual({
    route,
    status: 400,
    type: expect.stringContaining('application/problem+json') as string,
  });
  expect(res.json).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
  return res.json.detail as string;
}

describe('the admin API refuses what would fail in SQL', () => {
  let t: TestApp;
  let repositoryId: string;

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: '100000000001' });
    const client = t.client();
    await client.send(new CreateRepositoryCommand({ repositoryName: 'hardening/app' }));
    for (let i = 0; i < 3; i++) await initiate(client, 'hardening/app');
    const list = await admin<Page<{ repositoryId: string }>>(
      t.url,
      'GET',
      '/admin/v1/repositories',
    );
    repositoryId = list.json.items[0].repositoryId;
  });
  afterAll(() => t.close());

  describe('a forged cursor, checked against the shape of its route', () => {
    const forged: [string, unknown][] = [
      ['/admin/v1/repositories', { a: 'abc' }],
      ['/admin/v1/repositories', { a: '99999999999999999999' }],
      ['/admin/v1/repositories', { a: '-1' }],
      ['/admin/v1/repositories/{id}/layers', { a: 'abc' }],
      ['/admin/v1/repositories/{id}/layers', { a: '1e3' }],
      ['/admin/v1/repositories/{id}/images', { a: 'abc' }],
      ['/admin/v1/repositories/{id}/images', { a: 7 }],
      ['/admin/v1/uploads', { a: 'x|y' }],
      ['/admin/v1/uploads', { a: '2024-13-45T00:00:00.000Z|00000000-0000-4000-8000-000000000000' }],
      ['/admin/v1/uploads', { a: '0000-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000' }],
      ['/admin/v1/uploads', { a: '2024-01-01T00:00:00.000Z|not-a-uuid' }],
      ['/admin/v1/uploads', { a: '2024-01-01T00:00:00.000Z' }],
      ['/admin/v1/accounts', { a: 'abc' }],
      ['/admin/v1/accounts/100000000001/access-keys', { a: 'lower-case' }],
      // Another route's cursor is not this route's.
      [
        '/admin/v1/repositories',
        { a: '2024-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000' },
      ],
      ['/admin/v1/uploads', { a: '1' }],
    ];

    it.each(forged)('%s?cursor=%j answers 400 problem+json', async (route, position) => {
      const path = route.replace('{id}', repositoryId);
      const res = await admin(t.url, 'GET', `${path}?cursor=${cursorOf(position)}`);
      expect(expectBadRequest(res, path)).toBe('cursor must be a nextCursor returned by this API');
    });

    it('takes the cursors it issued, on every route, and pages uploads without repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page: AdminResponse<Page<{ uploadId: string }>> = await admin<
          Page<{ uploadId: string }>
        >(t.url, 'GET', `/admin/v1/uploads?limit=1${query}`);
        expect(page.status).toBe(200);
        seen.push(...page.json.items.map((u) => u.uploadId));
        cursor = page.json.nextCursor;
      } while (cursor && seen.length < 10);
      expect(seen).toHaveLength(3);
      expect(new Set(seen).size).toBe(3);

      for (const path of [
        '/admin/v1/repositories?limit=1',
        '/admin/v1/accounts?limit=1',
        '/admin/v1/accounts/100000000001/access-keys?limit=1',
      ]) {
        const first = await admin<Page<unknown>>(t.url, 'GET', path);
        expect(first.status).toBe(200);
        if (first.json.nextCursor) {
          const next = await admin(t.url, 'GET', `${path}&cursor=${first.json.nextCursor}`);
          expect({ path, status: next.status }).toEqual({ path, status: 200 });
        }
      }
    });
  });

  describe('the NUL character', () => {
    it('?name=%00 answers 400 problem+json', async () => {
      for (const name of ['%00', 'team%00app']) {
        const res = await admin(t.url, 'GET', `/admin/v1/repositories?name=${name}`);
        expect(expectBadRequest(res, name)).toBe('name must not contain the NUL character');
      }
    });

    it('in an account name or a key description answers 400 problem+json, and creates nothing', async () => {
      const account = await admin(t.url, 'POST', '/admin/v1/accounts', {
        accountId: '100000000077',
        name: 'team\u0000a',
      });
      expect(expectBadRequest(account, 'account')).toBe('name must not contain the NUL character');
      expect((await admin(t.url, 'GET', '/admin/v1/accounts/100000000077')).status).toBe(404);

      const key = await admin(t.url, 'POST', '/admin/v1/accounts/100000000001/access-keys', {
        description: '\u0000',
      });
      expect(expectBadRequest(key, 'key')).toBe('description must not contain the NUL character');
      const keys = await admin<Page<unknown>>(
        t.url,
        'GET',
        '/admin/v1/accounts/100000000001/access-keys',
      );
      expect(keys.json.items).toHaveLength(1);
    });
  });

  describe('a deeply nested body', () => {
    const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

    it.each([
      ['POST', '/admin/v1/accounts'],
      ['POST', '/admin/v1/accounts/100000000001/access-keys'],
      ['PATCH', '/admin/v1/access-keys/AKIABERTHTEST0000001'],
      ['POST', '/admin/v1/maintenance/purge-expired-uploads'],
      ['POST', '/admin/v1/maintenance/collect-garbage'],
      ['POST', '/admin/v1/maintenance/apply-lifecycle-policies'],
    ])('10,000 levels to %s %s answer 400 problem+json', async (method, path) => {
      for (const body of [nested(10_000), '['.repeat(10_000) + ']'.repeat(10_000)]) {
        const res = await fetch(`${t.url}${path}`, {
          method,
          headers: {
            authorization: 'Bearer berth-test-admin-token-0123456789',
            'content-type': 'application/json',
          },
          body,
        });
        const text = await res.text();
        const out = {
          status: res.status,
          headers: res.headers,
          json: JSON.parse(text) as Record<string, unknown>,
          text,
        };
        expect(expectBadRequest(out, path)).toBe('The request body nests deeper than 8 levels');
      }
    });

    it('a member nested a few levels is still refused as unknown, not as too deep', async () => {
      const res = await admin(t.url, 'POST', '/admin/v1/accounts', { x: { y: { z: 1 } } });
      expect(expectBadRequest(res, 'shallow')).toBe('property x should not exist');
    });
  });

  it('an olderThanSeconds beyond what PostgreSQL can subtract answers 400', async () => {
    const res = await admin(t.url, 'POST', '/admin/v1/maintenance/purge-expired-uploads', {
      dryRun: true,
      olderThanSeconds: 1e300,
    });
    expectBadRequest(res, 'purge');
  });
});

describe('the log of a failed statement', () => {
  let db: TestDatabase;
  let berth: BerthProcess;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    berth = await startBerthProcess({
      DATABASE_URL: db.url,
      BOOTSTRAP_ACCOUNT_ID: '100000000001',
      LOG_LEVEL: 'info',
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await berth.stop();
    await db.drop();
  });

  it('names the statement and holds none of its parameters (the sealed secret among them)', async () => {
    const probe = 'probe-7f3c9a-description';
    // A failure the admin API cannot foresee: the insert of a new key (with its sealed secret)
    // fails in PostgreSQL.
    await pg.query(
      `ALTER TABLE access_keys ADD CONSTRAINT test_refuses_probe CHECK (description IS DISTINCT FROM '${probe}')`,
    );
    const before = berth.output().length;
    const res = await admin(berth.url, 'POST', '/admin/v1/accounts/100000000001/access-keys', {
      description: probe,
    });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain(probe);
    // The line is written once the answer is on its way.
    await new Promise((r) => setTimeout(r, 200));
    const lines = berth
      .output()
      .slice(before)
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const failure = lines
      .map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> })
      .find((l) => l.msg === 'unexpected failure');
    expect(failure?.err).toMatchObject({
      type: 'QueryFailedError',
      code: '23514',
      constraint: 'test_refuses_probe',
      query: expect.stringContaining('INSERT INTO "access_keys"') as string,
    });
    const written = lines.join('\n');
    expect(written).not.toContain(probe);
    expect(written).not.toContain('"parameters"');
    expect(written).not.toContain('"detail"');
    expect(written).not.toContain('"type":"Buffer"');
    expect(written).not.toContain('Failing row contains');
  });
});
