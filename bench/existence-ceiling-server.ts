/**
 * The existence ceiling: the least a server can do for the two existence checks. It answers
 * `POST /` (BatchCheckLayerAvailability) with the JSON Berth answered, and `HEAD /v2/...` with
 * the headers Berth answered, both from memory: nothing is verified, parsed or looked up. Run as
 * a child process (forked, with an IPC channel): the parent sends the answers, it reports its
 * port, and exits when the parent goes away.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ExistenceAnswers {
  /** The body of Berth's BatchCheckLayerAvailability answer. */
  batchBody: string;
  /** The headers of Berth's answer to the HEAD of a blob. */
  headHeaders: Record<string, string>;
}

export function createExistenceCeilingServer(answers: ExistenceAnswers): http.Server {
  const batchLength = String(Buffer.byteLength(answers.batchBody));
  return http.createServer((req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, answers.headHeaders);
      res.end();
      req.resume();
      return;
    }
    // The request body is read to its end, as any server must before it answers on the
    // same connection.
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': batchLength,
      });
      res.end(answers.batchBody);
    });
  });
}

if (require.main === module) {
  process.once('message', (answers: ExistenceAnswers) => {
    const server = createExistenceCeilingServer(answers);
    server.keepAliveTimeout = 65_000;
    server.listen(0, '127.0.0.1', () => {
      process.send?.({ port: (server.address() as AddressInfo).port });
    });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
