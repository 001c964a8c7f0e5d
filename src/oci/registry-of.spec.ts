import type { Request } from 'express';
import type { PoliciesService } from '../policies/policies.service';
import type { OciCaller } from './authenticate';
import { OciError } from './oci-errors';
import { registryOf } from './registry-of';
import { matchRoute } from './routes';

const A = '111111111111';
const B = '222222222222';
const PATTERN = '<account>.localhost';
const caller: OciCaller = { registryId: B, accessKeyId: 'AKIAB', keyDeactivations: 0 };

/** Which registry B's request `method path` at `host` acts on, and which actions were asked. */
async function actOn(
  method: string,
  path: string,
  host: string,
): Promise<{ registry: string | OciError; asked: string[] }> {
  const asked: string[] = [];
  const policies = {
    authorize: (_c: unknown, registryId: string, name: string, action: string) => {
      asked.push(`${registryId}/${name}:${action}`);
      return Promise.resolve();
    },
  } as unknown as PoliciesService;
  const req = { headers: { host }, query: {} } as unknown as Request;
  const found = matchRoute(method, path, () => undefined)!;
  try {
    return { registry: await registryOf(req, caller, found, PATTERN, policies), asked };
  } catch (err) {
    if (err instanceof OciError) return { registry: err, asked };
    throw err;
  }
}

describe('the registry a /v2 request acts on', () => {
  it("is the caller's own on its own host, asking no policy", async () => {
    expect(await actOn('GET', '/a/manifests/v1', `${B}.localhost:5000`)).toEqual({
      registry: B,
      asked: [],
    });
    expect(await actOn('GET', '/a/manifests/v1', '127.0.0.1:5000')).toEqual({
      registry: B,
      asked: [],
    });
  });

  it("answers the API check (docker login's /v2/) at another account's host without a policy", async () => {
    expect(await actOn('GET', '/', `${A}.localhost:5000`)).toEqual({ registry: A, asked: [] });
  });

  it("asks A's repository policy for the route's action at A's host", async () => {
    expect(await actOn('GET', '/a/manifests/v1', `${A}.localhost`)).toEqual({
      registry: A,
      asked: [`${A}/a:BatchGetImage`],
    });
  });

  it("refuses at A's host the catalog and the routes without an ECR action, asking nothing", async () => {
    for (const [method, path] of [
      ['GET', '/_catalog'],
      ['GET', '/a/blobs/uploads/123e4567-e89b-12d3-a456-426614174000'],
      ['DELETE', '/a/blobs/uploads/123e4567-e89b-12d3-a456-426614174000'],
      ['DELETE', `/a/blobs/sha256:${'0'.repeat(64)}`],
    ]) {
      const { registry, asked } = await actOn(method, path, `${A}.localhost`);
      expect([path, (registry as OciError).code, asked]).toEqual([path, 'DENIED', []]);
    }
  });
});
