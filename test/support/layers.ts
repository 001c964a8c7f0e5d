import {
  CompleteLayerUploadCommand,
  ECRClient,
  ECRServiceException,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { sha256Digest } from '../../tooling/oci-layout';

export const MiB = 1024 * 1024;

export { sha256Digest };

/** Deterministic-enough random content: every test layer is distinct unless reused on purpose. */
export function layerBytes(size: number): Buffer {
  return randomBytes(size);
}

export async function errorOf(promise: Promise<unknown>): Promise<ECRServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ECRServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

export async function initiate(client: ECRClient, repositoryName: string): Promise<string> {
  const out = await client.send(new InitiateLayerUploadCommand({ repositoryName }));
  return out.uploadId!;
}

export async function uploadPart(
  client: ECRClient,
  repositoryName: string,
  uploadId: string,
  data: Buffer,
  first: number,
): Promise<number> {
  const out = await client.send(
    new UploadLayerPartCommand({
      repositoryName,
      uploadId,
      partFirstByte: first,
      partLastByte: first + data.length - 1,
      layerPartBlob: data,
    }),
  );
  return out.lastByteReceived!;
}

/** Sends `data` in parts of the given sizes (the last takes the rest). */
export async function uploadParts(
  clients: ECRClient[] | ECRClient,
  repositoryName: string,
  uploadId: string,
  data: Buffer,
  partSizes: number[],
): Promise<void> {
  const list = Array.isArray(clients) ? clients : [clients];
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = i < partSizes.length ? partSizes[i] : data.length - offset;
    const part = data.subarray(offset, Math.min(offset + size, data.length));
    await uploadPart(list[i % list.length], repositoryName, uploadId, part, offset);
    offset += part.length;
  }
}

export async function complete(
  client: ECRClient,
  repositoryName: string,
  uploadId: string,
  layerDigests: string[],
): Promise<string> {
  const out = await client.send(
    new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests }),
  );
  return out.layerDigest!;
}

/** Initiate, one part per `partSizes` entry, complete. */
export async function pushLayer(
  client: ECRClient,
  repositoryName: string,
  data: Buffer,
  partSizes: number[] = [data.length],
): Promise<string> {
  const uploadId = await initiate(client, repositoryName);
  await uploadParts(client, repositoryName, uploadId, data, partSizes);
  return complete(client, repositoryName, uploadId, [sha256Digest(data)]);
}
