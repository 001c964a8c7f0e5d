import * as net from 'node:net';
import { freePort } from '../../tooling/ports';

/**
 * A loopback TCP port forwarded to another, which a test takes down (its listener closed and
 * every forwarded connection cut: a service gone from the network) and brings back on the same
 * port. Only what goes through it is affected: the target serves everyone else as before.
 */
export class TcpForwarder {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpForwarder> {
    const forwarder = new TcpForwarder(await freePort(), target);
    await forwarder.up();
    return forwarder;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens again (a no-op while up). */
  async up(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and cuts every connection: new ones are refused until `up`. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
