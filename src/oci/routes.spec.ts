import { OciError } from './oci-errors';
import { matchRoute, operationOf, readArgument, ROUTES } from './routes';

type Query = (key: string) => string | undefined;

const none: Query = () => undefined;
const given =
  (key: string): Query =>
  (k) =>
    k === key ? 'd' : undefined;

function operation(method: string, path: string, query: Query = none): string {
  return operationOf(matchRoute(method, path, query));
}

function ecrAction(method: string, path: string, query: Query = none): string | null | undefined {
  return matchRoute(method, path, query)?.route?.ecrAction;
}

describe('the /v2 route table', () => {
  // Keyed by operation name (not quoted: a grep for a quoted name lands on its route only).
  const EXAMPLES: Record<string, [method: string, path: string, query?: Query][]> = {
    CheckApi: [
      ['GET', ''],
      ['HEAD', '/'],
    ],
    ListRepositories: [['GET', '/_catalog']],
    ListTags: [['GET', '/a/tags/list']],
    GetManifest: [['GET', '/a/manifests/v1']],
    HeadManifest: [['HEAD', '/a/manifests/v1']],
    PutManifest: [['PUT', '/a/b/manifests/sha256:x']],
    DeleteManifest: [['DELETE', '/a/manifests/v1']],
    GetBlob: [['GET', '/a/blobs/sha256:x']],
    HeadBlob: [['HEAD', '/a/blobs/sha256:x']],
    DeleteBlob: [['DELETE', '/a/blobs/sha256:x']],
    StartUpload: [
      ['POST', '/a/blobs/uploads/'],
      ['POST', '/a/blobs/uploads'],
    ],
    PushBlob: [['POST', '/a/blobs/uploads', given('digest')]],
    MountBlob: [['POST', '/a/blobs/uploads/', given('mount')]],
    GetUpload: [['GET', '/a/blobs/uploads/id']],
    PatchUpload: [['PATCH', '/a/blobs/uploads/id']],
    CompleteUpload: [['PUT', '/a/blobs/uploads/id']],
    CancelUpload: [['DELETE', '/a/blobs/uploads/id']],
    ListReferrers: [['GET', '/a/referrers/sha256:x']],
  };

  it('names each operation from a fixed list, and anything a route does not take Unsupported', () => {
    for (const [name, requests] of Object.entries(EXAMPLES)) {
      for (const [method, path, query] of requests) {
        expect(`${method} ${path}: ${operation(method, path, query)}`).toBe(
          `${method} ${path}: ${name}`,
        );
      }
    }
    expect(Object.keys(EXAMPLES).sort()).toEqual(ROUTES.map((r) => r.operation).sort());
    expect(operation('POST', '/a/blobs/uploads/id')).toBe('Unsupported');
    expect(operation('PATCH', '/a/blobs/uploads/')).toBe('Unsupported');
    expect(operation('DELETE', '/a/tags/list')).toBe('Unsupported');
    expect(operation('HEAD', '/a/tags/list')).toBe('Unsupported');
    expect(operation('PUT', '/a/blobs/sha256:x')).toBe('Unsupported');
    expect(operation('GET', '/a/nothing/here')).toBe('Unmatched');
  });

  it('reads the repository name and the argument from the path', () => {
    expect(matchRoute('GET', '/team/app/blobs/uploads/ab', none)).toMatchObject({
      path: 'upload',
      name: 'team/app',
      arg: 'ab',
    });
    expect(matchRoute('GET', '/team/app/manifests/v1', none)).toMatchObject({
      path: 'manifest',
      name: 'team/app',
      arg: 'v1',
    });
    expect(matchRoute('GET', '/_catalog', none)).toMatchObject({ name: '', arg: '' });
  });

  it('maps requests onto the ECR operations whose rate they spend', () => {
    expect(ecrAction('HEAD', '/a/blobs/d')).toBe('BatchCheckLayerAvailability');
    expect(ecrAction('GET', '/a/blobs/d')).toBe('GetDownloadUrlForLayer');
    expect(ecrAction('DELETE', '/a/blobs/d')).toBeNull();
    expect(ecrAction('POST', '/a/blobs/uploads/')).toBe('InitiateLayerUpload');
    expect(ecrAction('POST', '/a/blobs/uploads/', given('mount'))).toBe('InitiateLayerUpload');
    expect(ecrAction('POST', '/a/blobs/uploads/', given('digest'))).toBe('InitiateLayerUpload');
    expect(ecrAction('PATCH', '/a/blobs/uploads/id')).toBe('UploadLayerPart');
    expect(ecrAction('PUT', '/a/blobs/uploads/id')).toBe('CompleteLayerUpload');
    expect(ecrAction('GET', '/a/blobs/uploads/id')).toBeNull();
    expect(ecrAction('DELETE', '/a/blobs/uploads/id')).toBeNull();
    expect(ecrAction('GET', '/a/manifests/v1')).toBe('BatchGetImage');
    expect(ecrAction('HEAD', '/a/manifests/v1')).toBe('BatchGetImage');
    expect(ecrAction('PUT', '/a/manifests/v1')).toBe('PutImage');
    expect(ecrAction('DELETE', '/a/manifests/v1')).toBe('BatchDeleteImage');
    expect(ecrAction('GET', '/a/tags/list')).toBe('ListImages');
    expect(ecrAction('GET', '/a/referrers/d')).toBe('ListImageReferrers');
    expect(ecrAction('GET', '/_catalog')).toBe('DescribeRepositories');
    expect(ecrAction('GET', '/')).toBeNull();
  });

  it('checks an upload id before the method: a malformed one is no such upload', () => {
    const match = matchRoute('POST', '/a/blobs/uploads/not-an-id', none)!;
    expect(() => readArgument(match)).toThrow(OciError);
    expect(() => readArgument(match)).toThrow(/No upload 'not-an-id' in 'a'/);
    const id = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    expect(readArgument(matchRoute('PATCH', `/a/blobs/uploads/${id}`, none)!)).toBe(
      id.toLowerCase(),
    );
  });

  it('names each operation once, and takes each method of a path by one row (or by its query)', () => {
    const names = ROUTES.map((r) => r.operation);
    expect(new Set(names).size).toBe(names.length);
    const keys = ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.path} ${r.withQuery}`));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
