import { ecrOperationOf, operationName } from './oci-operations';

const none = (): undefined => undefined;

describe('the names of /v2 requests', () => {
  it('names each operation from a fixed list, and anything a route does not take Unsupported', () => {
    expect(operationName('manifest', 'GET', 'v1', none)).toBe('GetManifest');
    expect(operationName('manifest', 'HEAD', 'v1', none)).toBe('HeadManifest');
    expect(operationName('blob', 'HEAD', 'sha256:x', none)).toBe('HeadBlob');
    expect(operationName('uploads', 'POST', '', none)).toBe('StartUpload');
    expect(operationName('uploads', 'POST', '', (k) => (k === 'digest' ? 'd' : undefined))).toBe(
      'PushBlob',
    );
    expect(operationName('uploads', 'POST', '', (k) => (k === 'mount' ? 'd' : undefined))).toBe(
      'MountBlob',
    );
    expect(operationName('uploads', 'PATCH', 'id', none)).toBe('PatchUpload');
    expect(operationName('uploads', 'PUT', 'id', none)).toBe('CompleteUpload');
    expect(operationName('uploads', 'POST', 'id', none)).toBe('Unsupported');
    expect(operationName('uploads', 'PATCH', '', none)).toBe('Unsupported');
    expect(operationName('tags', 'DELETE', '', none)).toBe('Unsupported');
    expect(operationName('base', 'GET', '', none)).toBe('CheckApi');
  });

  it('maps requests onto the ECR operations whose rate they spend', () => {
    expect(ecrOperationOf('blob', 'HEAD', 'd')).toBe('BatchCheckLayerAvailability');
    expect(ecrOperationOf('blob', 'GET', 'd')).toBe('GetDownloadUrlForLayer');
    expect(ecrOperationOf('blob', 'DELETE', 'd')).toBeUndefined();
    expect(ecrOperationOf('uploads', 'POST', '')).toBe('InitiateLayerUpload');
    expect(ecrOperationOf('uploads', 'PATCH', 'id')).toBe('UploadLayerPart');
    expect(ecrOperationOf('uploads', 'PUT', 'id')).toBe('CompleteLayerUpload');
    expect(ecrOperationOf('uploads', 'GET', 'id')).toBeUndefined();
    expect(ecrOperationOf('uploads', 'DELETE', 'id')).toBeUndefined();
    expect(ecrOperationOf('manifest', 'GET', 'v1')).toBe('BatchGetImage');
    expect(ecrOperationOf('manifest', 'HEAD', 'v1')).toBe('BatchGetImage');
    expect(ecrOperationOf('manifest', 'PUT', 'v1')).toBe('PutImage');
    expect(ecrOperationOf('base', 'GET', '')).toBeUndefined();
  });
});
