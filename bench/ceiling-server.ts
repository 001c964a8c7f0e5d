/**
 * Ceiling (a): the least an `UploadLayerPart` server can do. It collects the body, parses the
 * JSON, base64-decodes `layerPartBlob` and answers a valid `UploadLayerPart` response; nothing
 * is stored, hashed or validated beyond the part's length.
 *
 * With `--sdk-alone`: the SDK-alone ceiling. The server only reads each body (dropping it) and
 * answers one fixed JSON, so what remains is the client's own cost (base64, JSON, SigV4's
 * payload hash, the socket): no server that answers `UploadLayerPart` can be faster.
 *
 * Run as a child process (forked, with an IPC channel): it reports its port, and exits when the
 * parent goes away.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

interface PartRequest {
  repositoryName?: string;
  uploadId?: string;
  partFirstByte?: number;
  partLastByte?: number;
  layerPartBlob?: string;
}

function answer(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function createCeilingServer(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let input: PartRequest;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PartRequest;
      } catch {
        answer(res, 400, { __type: 'SerializationException', message: 'not JSON' });
        return;
      }
      const blob = Buffer.from(input.layerPartBlob ?? '', 'base64');
      const first = input.partFirstByte ?? 0;
      if (blob.length === 0 || input.partLastByte !== first + blob.length - 1) {
        answer(res, 400, { __type: 'InvalidLayerPartException', message: 'bad part length' });
        return;
      }
      answer(res, 200, {
        registryId: '000000000000',
        repositoryName: input.repositoryName ?? 'x',
        uploadId: input.uploadId ?? '',
        lastByteReceived: first + blob.length - 1,
      });
    });
  });
}

const FIXED_ANSWER = JSON.stringify({
  registryId: '000000000000',
  repositoryName: 'bench/ceiling',
  uploadId: '00000000-0000-0000-0000-000000000000',
  lastByteReceived: 0,
});

/** The SDK-alone server: reads every body to its end, keeps nothing, answers FIXED_ANSWER. */
export function createSdkAloneServer(): http.Server {
  return http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(FIXED_ANSWER),
      });
      res.end(FIXED_ANSWER);
    });
  });
}

if (require.main === module) {
  const server = process.argv.includes('--sdk-alone')
    ? createSdkAloneServer()
    : createCeilingServer();
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
