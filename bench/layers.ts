/**
 * Layer content and the ECR client side of a push. Parts are made on the fly: one random 10 MiB
 * buffer per stream, with the identity of the part (run, scenario, stream, layer, part) written
 * over its first 20 bytes, so every part of every layer differs and no layer is ever held whole
 * in memory. The digest is computed incrementally with node:crypto as parts are sent.
 */
import {
  CompleteLayerUploadCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { createHash, randomFillSync, type Hash } from 'node:crypto';
import { MiB } from './stats';

export const PART_SIZE = 10 * MiB;
export const REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * The clients' key. Berth creates it as its first access key (BOOTSTRAP_*, see berth-server.ts)
 * where it checks signatures; a Berth that does not check them accepts it like any other.
 */
export const CREDENTIALS = {
  accessKeyId: 'AKIDBERTHBENCH0001',
  secretAccessKey: 'berth-bench-secret-access-key',
};
export const ACCOUNT_ID = '000000000000';

export function ecrClient(endpoint: string): ECRClient {
  return new ECRClient({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: REQUEST_TIMEOUT_MS,
      httpAgent: { keepAlive: true, maxSockets: 64 },
    },
  });
}

let baseBuffer: Buffer | undefined;
const RUN_NONCE = randomFillSync(Buffer.alloc(4)).readUInt32BE(0);

/** One random 10 MiB buffer for the whole run; streams work on copies of it. */
function base(): Buffer {
  baseBuffer ??= randomFillSync(Buffer.allocUnsafe(PART_SIZE));
  return baseBuffer;
}

/** The byte ranges of a layer of `size` bytes in parts of PART_SIZE (the last takes the rest). */
export function partRanges(size: number): { first: number; length: number }[] {
  const ranges: { first: number; length: number }[] = [];
  for (let first = 0; first < size; first += PART_SIZE) {
    ranges.push({ first, length: Math.min(PART_SIZE, size - first) });
  }
  return ranges;
}

/** Makes the parts of one stream: reuses one buffer, so a part is valid until the next one. */
export class PartFactory {
  private readonly buffer = Buffer.from(base());

  constructor(
    private readonly scenario: number,
    private readonly stream: number,
  ) {}

  part(layer: number, partNo: number, length: number): Buffer {
    const b = this.buffer;
    b.writeUInt32BE(RUN_NONCE, 0);
    b.writeUInt32BE(this.scenario, 4);
    b.writeUInt32BE(this.stream, 8);
    b.writeUInt32BE(layer, 12);
    b.writeUInt32BE(partNo, 16);
    return b.subarray(0, length);
  }
}

export interface PushedLayer {
  digest: string;
  bytes: number;
  partMs: number[];
  completeMs: number;
}

/**
 * Sends the parts of one layer to an upload; `hash` is fed each part before it is sent. With
 * `checkAnswer` false the answers are not checked (the SDK-alone ceiling answers a fixed one).
 */
export async function sendParts(
  client: ECRClient,
  repositoryName: string,
  uploadId: string,
  factory: PartFactory,
  layer: number,
  size: number,
  hash: Hash | null,
  partMs: number[],
  checkAnswer = true,
): Promise<void> {
  let partNo = 0;
  for (const { first, length } of partRanges(size)) {
    const data = factory.part(layer, partNo++, length);
    hash?.update(data);
    const started = performance.now();
    const out = await client.send(
      new UploadLayerPartCommand({
        repositoryName,
        uploadId,
        partFirstByte: first,
        partLastByte: first + length - 1,
        layerPartBlob: data,
      }),
    );
    partMs.push(performance.now() - started);
    if (checkAnswer && out.lastByteReceived !== first + length - 1) {
      throw new Error(
        `UploadLayerPart answered lastByteReceived ${out.lastByteReceived}, expected ${first + length - 1}`,
      );
    }
  }
}

/** InitiateLayerUpload, the parts, CompleteLayerUpload; checks the digest Berth answers. */
export async function pushLayer(
  client: ECRClient,
  repositoryName: string,
  factory: PartFactory,
  layer: number,
  size: number,
): Promise<PushedLayer> {
  const { uploadId } = await client.send(new InitiateLayerUploadCommand({ repositoryName }));
  if (!uploadId) throw new Error('InitiateLayerUpload answered no uploadId');
  const hash = createHash('sha256');
  const partMs: number[] = [];
  await sendParts(client, repositoryName, uploadId, factory, layer, size, hash, partMs);
  const digest = `sha256:${hash.digest('hex')}`;
  const started = performance.now();
  const out = await client.send(
    new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }),
  );
  const completeMs = performance.now() - started;
  if (out.layerDigest !== digest) {
    throw new Error(`CompleteLayerUpload answered ${out.layerDigest}, expected ${digest}`);
  }
  return { digest, bytes: size, partMs, completeMs };
}
