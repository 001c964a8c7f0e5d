import {
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { createAccount } from './support/accounts';
import { ecrClient, startTestApp, TestApp } from './support/app';
import { download, imageOf, randomBlob, TestImage } from './support/gc';
import { errorOf } from './support/layers';
import {
  applyLifecyclePolicies,
  keepNewest,
  policyOf,
  pushImageTagged,
  settledPreview,
} from './support/lifecycle';

const VALIDATION_PREFIX =
  "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";

describe('lifecycle policies over the ECR API', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let pg: Client;

  beforeAll(async () => {
    t = await startTestApp({ LAYER_GRACE: '0' });
    ecr = t.client();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
  });

  async function repositoryId(name: string): Promise<string> {
    const { rows } = await pg.query<{ id: string }>('SELECT id FROM repositories WHERE name = $1', [
      name,
    ]);
    return rows[0].id;
  }

  async function describedDigests(repositoryName: string): Promise<string[]> {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    return (out.imageDetails ?? []).map((d) => d.imageDigest!).sort();
  }

  it('puts, gets and deletes a policy, with the model shapes and ECR message texts', async () => {
    const repo = 'lc/crud';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const text = keepNewest('release', 2, 1);

    const missing = await errorOf(
      ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })),
    );
    expect(missing.name).toBe('LifecyclePolicyNotFoundException');
    expect(missing.message).toBe(
      `Lifecycle policy does not exist for the repository with name '${repo}' in the registry with id '${t.config.registryId}'`,
    );

    const put = await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    expect(put).toMatchObject({
      registryId: t.config.registryId,
      repositoryName: repo,
      lifecyclePolicyText: text,
    });

    const got = await ecr.send(
      new GetLifecyclePolicyCommand({ repositoryName: repo, registryId: t.config.registryId }),
    );
    expect(got).toMatchObject({
      registryId: t.config.registryId,
      repositoryName: repo,
      lifecyclePolicyText: text,
    });
    // Never evaluated yet.
    expect(got.lastEvaluatedAt).toBeUndefined();

    // Putting again replaces the text, kept byte for byte.
    const spaced = JSON.stringify(JSON.parse(keepNewest('v', 1, 1)), null, 2);
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: spaced }),
    );
    expect(
      (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }))).lifecyclePolicyText,
    ).toBe(spaced);

    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: repo }));
    expect(deleted).toMatchObject({
      registryId: t.config.registryId,
      repositoryName: repo,
      lifecyclePolicyText: spaced,
    });
    expect(
      (await errorOf(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })))).name,
    ).toBe('LifecyclePolicyNotFoundException');
    const again = await errorOf(
      ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: repo })),
    );
    expect(again.name).toBe('LifecyclePolicyNotFoundException');
    expect(again.message).toBe(missing.message);
  });

  it('refuses invalid policies with InvalidParameterException in ECR wording, storing nothing', async () => {
    const repo = 'lc/invalid';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const put = (lifecyclePolicyText: string) =>
      errorOf(
        ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText })),
      );

    const short = await put('{"rules":[]}');
    expect(short.name).toBe('InvalidParameterException');
    expect(short.message).toBe(
      "Invalid parameter at 'lifecyclePolicyText' failed to satisfy constraint: 'must have length greater than or equal to 100'",
    );

    const noCount = await put(
      policyOf({
        rulePriority: 1,
        selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan' },
      }),
    );
    expect(noCount.name).toBe('InvalidParameterException');
    expect(noCount.message).toBe(
      `${VALIDATION_PREFIX}rules[0].selection: object has missing required properties (["countNumber"])'`,
    );

    const hours = await put(
      policyOf({
        rulePriority: 1,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'hours',
          countNumber: 3,
        },
      }),
    );
    expect(hours.message).toBe(
      `${VALIDATION_PREFIX}rules[0].selection.countUnit: instance value ("hours") not found in enum (possible values: ["days"])'`,
    );

    const notJson = await put(`{"rules": [${' '.repeat(120)}`);
    expect(notJson.message).toBe(`${VALIDATION_PREFIX}the policy text is not valid JSON'`);

    // StartLifecyclePolicyPreview validates the text it is given the same way.
    const preview = await errorOf(
      ecr.send(
        new StartLifecyclePolicyPreviewCommand({
          repositoryName: repo,
          lifecyclePolicyText: policyOf({
            rulePriority: 0,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          }),
        }),
      ),
    );
    expect(preview.name).toBe('InvalidParameterException');
    expect(preview.message).toBe(
      `${VALIDATION_PREFIX}rules[0].rulePriority must be a positive integer'`,
    );

    expect(
      (await errorOf(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })))).name,
    ).toBe('LifecyclePolicyNotFoundException');
    expect(
      (await errorOf(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }))))
        .name,
    ).toBe('LifecyclePolicyPreviewNotFoundException');
  });

  it('answers RepositoryNotFoundException for a missing repository, and keeps each account to its own', async () => {
    const text = keepNewest('release', 1, 1);
    const name = 'lc/nowhere';
    const notFound = `The repository with name '${name}' does not exist in the registry with id '${t.config.registryId}'`;
    // Sent one at a time, each awaited before the next is sent.
    const calls = [
      () =>
        ecr.send(
          new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: text }),
        ),
      () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name })),
      () => ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: name })),
      () => ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name })),
      () => ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name })),
    ];
    for (const call of calls) {
      const err = await errorOf(call());
      expect({ name: err.name, message: err.message }).toEqual({
        name: 'RepositoryNotFoundException',
        message: notFound,
      });
    }

    // Another account's repository: by name it does not exist in the caller's registry, and
    // naming the other registry is refused.
    const owned = 'lc/owned';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: owned }));
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: owned, lifecyclePolicyText: text }),
    );
    const other = await createAccount(t.url);
    const stranger = ecrClient(t.url, { credentials: other.credentials });
    try {
      const hidden = await errorOf(
        stranger.send(new GetLifecyclePolicyCommand({ repositoryName: owned })),
      );
      expect(hidden.name).toBe('RepositoryNotFoundException');
      expect(hidden.message).toBe(
        `The repository with name '${owned}' does not exist in the registry with id '${other.accountId}'`,
      );
      for (const call of [
        () =>
          stranger.send(
            new GetLifecyclePolicyCommand({
              repositoryName: owned,
              registryId: t.config.registryId,
            }),
          ),
        () =>
          stranger.send(
            new DeleteLifecyclePolicyCommand({
              repositoryName: owned,
              registryId: t.config.registryId,
            }),
          ),
        () =>
          stranger.send(
            new PutLifecyclePolicyCommand({
              repositoryName: owned,
              registryId: t.config.registryId,
              lifecyclePolicyText: keepNewest('x', 1, 1),
            }),
          ),
        () =>
          stranger.send(
            new StartLifecyclePolicyPreviewCommand({
              repositoryName: owned,
              registryId: t.config.registryId,
            }),
          ),
      ]) {
        expect((await errorOf(call())).name).toBe('AccessDeniedException');
      }
    } finally {
      stranger.destroy();
    }
    // The owner's policy is untouched.
    expect(
      (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: owned })))
        .lifecyclePolicyText,
    ).toBe(text);
  });

  it('previews in the background, one preview in progress per repository, with filters and pages', async () => {
    const repo = 'lc/preview';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const images: TestImage[] = [];
    for (let i = 0; i < 4; i++) {
      const image = imageOf([randomBlob(2000)], `release-${i}`);
      await pushImageTagged(ecr, repo, image, image.tag);
      images.push(image);
    }
    for (let i = 0; i < 3; i++) {
      const image = imageOf([randomBlob(2000)], `untagged-${i}`);
      await pushImageTagged(ecr, repo, image, undefined);
      images.push(image);
    }

    // No policy and no text: nothing to preview.
    const nothing = await errorOf(
      ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: repo })),
    );
    expect(nothing.name).toBe('LifecyclePolicyNotFoundException');

    // Holding the repository row FOR NO KEY UPDATE keeps the preview computing (it reads the
    // repository's images holding the row FOR SHARE) while the start itself goes through.
    const id = await repositoryId(repo);
    const holder = new Client({ connectionString: t.db.url });
    await holder.connect();
    const text = keepNewest('release', 1, 1);
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM repositories WHERE id = $1 FOR NO KEY UPDATE', [id]);
      const started = await ecr.send(
        new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: text }),
      );
      expect(started).toEqual(
        expect.objectContaining({
          registryId: t.config.registryId,
          repositoryName: repo,
          lifecyclePolicyText: text,
          status: 'IN_PROGRESS',
        }),
      );
      const inProgress = await errorOf(
        ecr.send(
          new StartLifecyclePolicyPreviewCommand({
            repositoryName: repo,
            lifecyclePolicyText: text,
          }),
        ),
      );
      expect(inProgress.name).toBe('LifecyclePolicyPreviewInProgressException');
      expect(inProgress.message).toBe(
        `Lifecycle policy preview is already in progress for the repository with name '${repo}' in the registry with id '${t.config.registryId}'`,
      );
      const pending = await ecr.send(
        new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }),
      );
      expect(pending.status).toBe('IN_PROGRESS');
      expect(pending.previewResults).toEqual([]);
      expect(pending.summary).toBeUndefined();
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }

    const done = await settledPreview(ecr, repo);
    expect(done.status).toBe('COMPLETE');
    expect(done.lifecyclePolicyText).toBe(text);
    // release-0..2 by rule 1 (newest first within the rule), untagged-0 and -1 by rule 2.
    const expected = [
      [images[2], 1],
      [images[1], 1],
      [images[0], 1],
      [images[5], 2],
      [images[4], 2],
    ] as const;
    expect(done.summary).toEqual({ expiringImageTotalCount: 5 });
    expect(
      done.previewResults!.map((r) => [r.imageDigest, r.appliedRulePriority, r.action?.type]),
    ).toEqual(expected.map(([image, rule]) => [image.digest, rule, 'EXPIRE']));
    expect(done.previewResults![0].imageTags).toEqual(['release-2']);
    expect(done.previewResults![3].imageTags).toEqual([]);
    expect(done.previewResults![0].imagePushedAt).toBeInstanceOf(Date);
    // Nothing was expired by a preview.
    expect(await describedDigests(repo)).toHaveLength(7);

    // Pages of two, then the rest; the summary always counts the whole preview.
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecr.send(
        new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, maxResults: 2, nextToken }),
      );
      expect(page.previewResults!.length).toBeLessThanOrEqual(2);
      expect(page.summary).toEqual({ expiringImageTotalCount: 5 });
      seen.push(...page.previewResults!.map((r) => r.imageDigest!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map(([image]) => image.digest));

    const untagged = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: repo,
        filter: { tagStatus: 'UNTAGGED' },
      }),
    );
    expect(untagged.previewResults!.map((r) => r.imageDigest)).toEqual([
      images[5].digest,
      images[4].digest,
    ]);
    const byId = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: repo,
        imageIds: [
          { imageTag: 'release-1' },
          { imageDigest: images[4].digest },
          { imageTag: 'none' },
        ],
      }),
    );
    expect(byId.previewResults!.map((r) => r.imageDigest)).toEqual([
      images[1].digest,
      images[4].digest,
    ]);

    const both = await errorOf(
      ecr.send(
        new GetLifecyclePolicyPreviewCommand({
          repositoryName: repo,
          imageIds: [{ imageTag: 'release-1' }],
          maxResults: 2,
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
    expect(both.message).toBe(
      "Invalid parameter at 'maxResults' failed to satisfy constraint: 'cannot be used together with imageIds'",
    );
    const tooMany = await errorOf(
      ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, maxResults: 101 })),
    );
    expect(tooMany.message).toBe(
      "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 100'",
    );
    const forged = await errorOf(
      ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, nextToken: 'abc' })),
    );
    expect(forged.name).toBe('InvalidParameterException');

    // A token of an earlier preview does not page a later one.
    const token = (
      await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, maxResults: 1 }))
    ).nextToken;
    await ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    await settledPreview(ecr, repo);
    const stale = await errorOf(
      ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, nextToken: token })),
    );
    expect(stale.name).toBe('InvalidParameterException');
  });

  it('an evaluation expires exactly what the preview before it listed, and records lastEvaluatedAt', async () => {
    const repo = 'lc/evaluate';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    // Every image shares one layer; each has one of its own too.
    const shared = randomBlob(30_000);
    const images: TestImage[] = [];
    for (let i = 0; i < 6; i++) {
      const image = imageOf([shared, randomBlob(10_000)], `v-${i}`);
      await pushImageTagged(ecr, repo, image, i % 2 === 0 ? image.tag : undefined);
      images.push(image);
    }
    const text = keepNewest('v-', 1, 1);
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    const started = await ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName: repo }),
    );
    // Without a text, the repository's policy is previewed.
    expect(started.lifecyclePolicyText).toBe(text);
    const preview = await settledPreview(ecr, repo);
    expect(preview.status).toBe('COMPLETE');
    const previewed = preview.previewResults!.map((r) => r.imageDigest!).sort();
    // Tagged v-0, v-2, v-4: v-4 stays; untagged v-1, v-3, v-5: v-5 stays.
    expect(previewed).toEqual(
      [images[0], images[1], images[2], images[3]].map((i) => i.digest).sort(),
    );

    const dry = await applyLifecyclePolicies(t.url, { dryRun: true });
    const dryHere = dry.repositories.find((r) => r.repositoryName === repo)!;
    expect(dryHere.expired.map((e) => e.imageDigest).sort()).toEqual(previewed);
    expect(await describedDigests(repo)).toHaveLength(6);

    const before = Date.now();
    const run = await applyLifecyclePolicies(t.url);
    const here = run.repositories.find((r) => r.repositoryName === repo)!;
    expect(here.accountId).toBe(t.config.registryId);
    expect(here.expired.map((e) => e.imageDigest).sort()).toEqual(previewed);
    expect(here.kept).toEqual([]);
    expect(run.failed).toBe(0);

    expect(await describedDigests(repo)).toEqual([images[4].digest, images[5].digest].sort());
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }));
    expect(policy.lastEvaluatedAt).toBeInstanceOf(Date);
    expect(policy.lastEvaluatedAt!.getTime()).toBeGreaterThanOrEqual(before - 5000);

    // The kept images pull whole, the shared layer included; the expired ones' own layers went.
    for (const image of [images[4], images[5]]) {
      for (const blob of [image.config, ...image.layers]) {
        expect((await download(ecr, repo, blob.digest)).equals(blob.data)).toBe(true);
      }
    }
    const { rows } = await pg.query('SELECT 1 FROM layers WHERE digest = $1', [
      images[0].layers[1].digest,
    ]);
    expect(rows).toEqual([]);

    // A second evaluation finds nothing more to expire.
    const second = await applyLifecyclePolicies(t.url);
    expect(second.repositories.find((r) => r.repositoryName === repo)?.expired).toEqual([]);
  });

  it('keeps the images an index that stays references, in the preview and in the evaluation alike', async () => {
    const repo = 'lc/index';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const children = [imageOf([randomBlob(1000)], 'c1'), imageOf([randomBlob(1000)], 'c2')];
    for (const child of children) await pushImageTagged(ecr, repo, child, undefined);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: children.map((c, i) => ({
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: c.digest,
        size: Buffer.byteLength(c.manifest),
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    });
    const put = await ecr.send(
      new PutImageCommand({ repositoryName: repo, imageManifest: index, imageTag: 'multi' }),
    );
    const indexDigest = put.image!.imageId!.imageDigest!;
    const loose = [
      imageOf([randomBlob(1000)], 'u1'),
      imageOf([randomBlob(1000)], 'u2'),
      imageOf([randomBlob(1000)], 'u3'),
    ];
    for (const image of loose) await pushImageTagged(ecr, repo, image, undefined);
    // Untagged, keep 1: the newest loose image stays; the two children are selected too, but the
    // tagged index (which no rule selects) references them.
    const text = policyOf({
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
    });
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    const preview = await settledPreview(ecr, repo);
    const doomed = [loose[0].digest, loose[1].digest].sort();
    expect(preview.previewResults!.map((r) => r.imageDigest).sort()).toEqual(doomed);

    const run = await applyLifecyclePolicies(t.url);
    const here = run.repositories.find((r) => r.repositoryName === repo)!;
    expect(here.expired.map((e) => e.imageDigest).sort()).toEqual(doomed);
    expect(here.kept.map((k) => [k.imageDigest, k.reason]).sort()).toEqual(
      children.map((c) => [c.digest, 'referencedByIndex']).sort(),
    );
    expect(await describedDigests(repo)).toEqual(
      [indexDigest, children[0].digest, children[1].digest, loose[2].digest].sort(),
    );
  });

  it('answers a preview left in progress by a lost instance FAILED, and a day-old one EXPIRED', async () => {
    const repo = 'lc/stale';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const text = keepNewest('v', 1, 1);
    await ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    expect((await settledPreview(ecr, repo)).status).toBe('COMPLETE');
    const id = await repositoryId(repo);

    // As an instance that died computing it would leave it, eleven minutes ago.
    await pg.query(
      `UPDATE lifecycle_policy_previews SET status = 'IN_PROGRESS',
              created_at = now() - interval '11 minutes' WHERE repository_id = $1`,
      [id],
    );
    const lost = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    expect(lost.status).toBe('FAILED');
    expect(lost.previewResults).toEqual([]);
    // It does not block a new one.
    const again = await ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    expect(again.status).toBe('IN_PROGRESS');
    expect((await settledPreview(ecr, repo)).status).toBe('COMPLETE');

    await pg.query(
      `UPDATE lifecycle_policy_previews SET created_at = now() - interval '25 hours'
        WHERE repository_id = $1`,
      [id],
    );
    const old = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    expect(old.status).toBe('EXPIRED');
    expect(old.summary).toEqual({ expiringImageTotalCount: 0 });
  });

  it('does not expire an image a PutImage tags while the evaluation runs', async () => {
    const repo = 'lc/retag';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const images: TestImage[] = [];
    for (let i = 0; i < 3; i++) {
      const image = imageOf([randomBlob(1000)], `r-${i}`);
      await pushImageTagged(ecr, repo, image, undefined);
      images.push(image);
    }
    const text = policyOf({
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
    });
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    const id = await repositoryId(repo);
    const oldest = images[0].digest;

    // What a PutImage tagging the oldest image does: lock the image row, then write the tag. It
    // holds the lock while the evaluation plans (the oldest is doomed) and reaches that image.
    const writer = new Client({ connectionString: t.db.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const [{ id: imageId }] = (
        await writer.query<{ id: string }>(
          'SELECT id FROM images WHERE repository_id = $1 AND digest = $2 FOR UPDATE',
          [id, oldest],
        )
      ).rows;
      const run = applyLifecyclePolicies(t.url);
      for (let waited = 0; ; waited += 20) {
        const { rows } = await pg.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (Number(rows[0].n) > 0) break;
        if (waited > 20_000) throw new Error('the evaluation never waited for the image lock');
        await new Promise((r) => setTimeout(r, 20));
      }
      await writer.query(
        'INSERT INTO image_tags (repository_id, tag, image_id) VALUES ($1, $2, $3)',
        [id, 'pinned', imageId],
      );
      await writer.query('COMMIT');
      const here = (await run).repositories.find((r) => r.repositoryName === repo)!;
      // The oldest is tagged now: the untagged rule no longer selects it; the middle one goes.
      expect(here.expired.map((e) => e.imageDigest)).toEqual([images[1].digest]);
    } finally {
      await writer.end();
    }
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName: repo }));
    expect(left.imageDetails!.map((d) => [d.imageDigest, d.imageTags ?? []]).sort()).toEqual(
      [
        [oldest, ['pinned']],
        [images[2].digest, []],
      ].sort(),
    );
  });

  it('matches tag wildcards in linear time: a preview over pathological tags ends at once, and other requests are answered meanwhile', async () => {
    const repo = 'lc/wildcards';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    // Ten tags of 290 to 299 characters that `a*a*a*a*a` does not match (they end in b): a
    // backtracking matcher tries on the order of n^4/24 ways to split each one before it
    // gives up.
    for (let i = 0; i < 10; i++) {
      const image = imageOf([randomBlob(100)], `${'a'.repeat(289 + i)}b`);
      await pushImageTagged(ecr, repo, image, image.tag);
    }
    const older = imageOf([randomBlob(100)], 'aaaaa');
    await pushImageTagged(ecr, repo, older, older.tag);
    const newer = imageOf([randomBlob(100)], 'abacadaea');
    await pushImageTagged(ecr, repo, newer, newer.tag);
    const text = policyOf({
      rulePriority: 1,
      selection: {
        tagStatus: 'tagged',
        tagPatternList: ['a*a*a*a*a'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      },
    });

    const started = Date.now();
    await ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: text }),
    );
    // Requests one after the other while the preview computes, each turn timed from the end of
    // the one before (its pause included): a long turn is one whose requests, or whose pause,
    // waited on the preview.
    let longestTurn = 0;
    let preview;
    for (let last = Date.now(); ;) {
      await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }));
      preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
      longestTurn = Math.max(longestTurn, Date.now() - last);
      last = Date.now();
      if (preview.status !== 'IN_PROGRESS') break;
      if (last - started > 100_000) throw new Error('the preview never ended');
      await new Promise((r) => setTimeout(r, 10));
    }
    const took = Date.now() - started;
    expect(preview.status).toBe('COMPLETE');
    expect(preview.previewResults?.map((r) => r.imageTags)).toEqual([['aaaaa']]);
    // Generous bounds on a shared machine: the backtracking matcher took seconds for each tag.
    expect(took).toBeLessThan(5_000);
    expect(longestTurn).toBeLessThan(1_000);
  });
});
