import * as http from 'node:http';

export interface V2Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * One raw HTTP request to the /v2 door, with exactly the headers given (node's http client sets
 * Content-Length only when the test does not): for what well-behaved clients never send.
 */
export function v2Request(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<V2Response> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { ...options.headers } },
      (res) => void readAnswer(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A PATCH whose chunked body is written piece by piece as the test says, with the answer when
 * the server gives it.
 */
export function streamingPatch(
  base: string,
  path: string,
  headers: Record<string, string>,
): { write(data: Buffer): void; end(): void; answer: Promise<V2Response> } {
  const req = http.request(new URL(path, base), {
    method: 'PATCH',
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });
  const answer = new Promise<V2Response>((resolve, reject) => {
    req.on('response', (res) => void readAnswer(res).then(resolve, reject));
    req.on('error', reject);
  });
  req.flushHeaders();
  return { write: (data) => void req.write(data), end: () => req.end(), answer };
}

function readAnswer(res: http.IncomingMessage): Promise<V2Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
    });
    res.on('error', reject);
  });
}

/** The first error code of an OCI error body. */
export function errorCode(res: V2Response): string | undefined {
  return (res.json as { errors?: { code?: string }[] } | undefined)?.errors?.[0]?.code;
}
