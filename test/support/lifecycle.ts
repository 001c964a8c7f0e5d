import {
  ECRClient,
  GetLifecyclePolicyPreviewCommand,
  GetLifecyclePolicyPreviewResponse,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { admin } from './accounts';
import { Blob, pushBlob, TestImage } from './gc';

/** A lifecycle policy text of the rules given (each `{ rulePriority, selection }`). */
export function policyOf(...rules: { rulePriority: number; selection: object }[]): string {
  return JSON.stringify({
    rules: rules.map((r) => ({
      ...r,
      description: `rule ${r.rulePriority} of a test policy`,
      action: { type: 'expire' },
    })),
  });
}

/** Keeps the newest `keep` images tagged with `prefix`, and the newest `untagged` untagged. */
export function keepNewest(prefix: string, keep: number, untagged: number): string {
  return policyOf(
    {
      rulePriority: 1,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: [prefix],
        countType: 'imageCountMoreThan',
        countNumber: keep,
      },
    },
    {
      rulePriority: 2,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: untagged },
    },
  );
}

/** Pushes an image as a client does, without a tag when `tag` is undefined. */
export async function pushImageTagged(
  client: ECRClient,
  repositoryName: string,
  image: TestImage,
  tag: string | undefined,
): Promise<void> {
  for (const blob of [image.config, ...image.layers] as Blob[]) {
    await pushBlob(client, repositoryName, blob);
  }
  await client.send(
    new PutImageCommand({
      repositoryName,
      imageManifest: image.manifest,
      ...(tag !== undefined ? { imageTag: tag } : {}),
    }),
  );
}

/** Polls GetLifecyclePolicyPreview until the preview is no longer IN_PROGRESS. */
export async function settledPreview(
  client: ECRClient,
  repositoryName: string,
  timeoutMs = 30_000,
): Promise<GetLifecyclePolicyPreviewResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }));
    if (out.status !== 'IN_PROGRESS') return out;
    if (Date.now() > deadline) throw new Error(`preview of ${repositoryName} still in progress`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LifecycleRun {
  dryRun: boolean;
  images: number;
  skipped: number;
  failed: number;
  repositories: {
    repositoryId: string;
    accountId: string;
    repositoryName: string;
    expired: {
      imageDigest: string;
      imageTags: string[];
      imagePushedAt: string;
      appliedRulePriority: number;
    }[];
    kept: { imageDigest: string; reason: string }[];
  }[];
  collection?: { layers: number; blobs: number; bytes: number };
}

/** POST /admin/v1/maintenance/apply-lifecycle-policies on `url`. */
export async function applyLifecyclePolicies(
  url: string,
  body: Record<string, unknown> = {},
): Promise<LifecycleRun> {
  const res = await admin<LifecycleRun>(
    url,
    'POST',
    '/admin/v1/maintenance/apply-lifecycle-policies',
    body,
  );
  if (res.status !== 200) throw new Error(`apply-lifecycle-policies: ${res.status} ${res.text}`);
  return res.json;
}
