import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ecrClient, signHeaders, TEST_CREDENTIALS } from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { rssBytes } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import { EcrAnswer, shapeProblems } from './support/ecr-calls';
import {
  AnswerKind,
  answerKind,
  corpusCases,
  FuzzCase,
  fuzzCase,
  FuzzState,
  OPERATIONS,
  oversizedCases,
} from './support/fuzz';
import { initiate } from './support/layers';
import { pushImageBlobs } from './support/images';

/**
 * 10,000 mutated requests (FUZZ_CASES) over every operation in OPERATIONS against one built Berth process:
 * every answer must be a success or a well-formed ECR error (never a 5xx), the process must stay
 * alive and its resident memory bounded. FUZZ_SEED picks the run (a failure prints its seed and
 * case index; FUZZ_ONLY=<index> replays one case; FUZZ_REPORT=<file> writes every failure there).
 * The process runs with a capped heap (192 MiB of old space), so that its RSS follows what is
 * live rather than V8's lazy growth.
 */

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_129);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const CONCURRENCY = 8;
/** The largest request body, UploadLayerPart's (MAX_PART_BODY_BYTES of src/ecr/operations/uploads.operations.ts). */
const BODY_LIMIT = Math.ceil((20 * 1024 * 1024) / 3) * 4 + 4096;
const MiB = 1024 * 1024;
const RSS_LIMIT = 400 * MiB;
/** The fuzzed process's old-space limit (FUZZ_NODE_OPTIONS replaces it). */
const HEAP_LIMIT_MIB = 192;
/** How much higher the second half of the run may go than the first. */
const RSS_GROWTH_LIMIT = 48 * MiB;
/**
 * What a full run must have exercised, so that a run answered by the front door alone (a broken
 * signer: every case an InvalidSignatureException; a broken parser: every case a
 * SerializationException) fails instead of passing: shares of all answers that are successes and
 * errors raised inside handlers, and every operation's handler reached (a success or its error:
 * CompleteLayerUpload's template cannot succeed, its uploads hold no parts). Measured at seed 20251129:
 * about 8% successes and 2.5% handler errors.
 */
const MIN_SUCCESS_SHARE = 0.04;
const MIN_HANDLER_ERROR_SHARE = 0.01;
/** Below this many cases (FUZZ_CASES), the shares say too little to be checked. */
const MIN_CASES_FOR_SHARES = 2000;

interface Failure {
  case: number;
  operation: string;
  mutations: string[];
  outcome: string;
}

async function sendCase(url: string, c: FuzzCase): Promise<EcrAnswer> {
  let headers: Record<string, string> = {};
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (c.target !== undefined) headers['x-amz-target'] = c.target;
  const { 'x-amz-date': amzDate, ...extra } = c.headers;
  Object.assign(headers, extra);
  if (c.auth.kind === 'signed') {
    headers = await signHeaders(url, headers, c.auth.signedBody ?? c.body, {
      credentials: c.auth.credentials ?? TEST_CREDENTIALS,
      signingDate: c.auth.signingDate,
    });
  } else if (c.auth.kind === 'raw') {
    headers.authorization = c.auth.authorization;
  }
  // A malformed date replaces the signed one.
  if (amzDate !== undefined) headers['x-amz-date'] = amzDate;
  const body = c.chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < c.body.length; at += 1024 * 1024) {
            controller.enqueue(c.body.subarray(at, at + 1024 * 1024));
          }
          controller.close();
        },
      })
    : c.body;
  const res = await fetch(`${url}/${c.query}`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(60_000),
    ...(c.chunked ? { duplex: 'half' } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      json = parsed as Record<string, unknown>;
    }
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

describe('fuzzing the ECR API with mutated requests', () => {
  let db: TestDatabase;
  let berth: BerthProcess;
  let client: ECRClient;
  let blobDir: string;
  let dataDir: string;
  let state: FuzzState;

  beforeAll(async () => {
    db = await createTestDatabase();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fuzz-blobs-'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fuzz-data-'));
    berth = await startBerthProcess({
      DATABASE_URL: db.url,
      BLOB_DIR: blobDir,
      DATA_DIR: dataDir,
      // Unexpected failures are logged at error, with their cause.
      LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'error',
      // A capped heap makes V8 collect instead of growing lazily into the machine's memory, so
      // RSS follows what is live: a leak shows as growth, and ends in an out-of-memory crash.
      NODE_OPTIONS: process.env.FUZZ_NODE_OPTIONS ?? `--max-old-space-size=${HEAP_LIMIT_MIB}`,
    });
    client = ecrClient(berth.url);
    const repositoryName = 'fuzz/base';
    await client.send(new CreateRepositoryCommand({ repositoryName }));
    for (const name of ['fuzz/a', 'fuzz/b', 'fuzz/c']) {
      await client.send(new CreateRepositoryCommand({ repositoryName: name }));
    }
    const image = await pushImageBlobs(client, repositoryName);
    await client.send(
      new PutImageCommand({ repositoryName, imageManifest: image.manifest, imageTag: 'v1' }),
    );
    await client.send(
      new PutImageCommand({ repositoryName, imageManifest: image.manifest, imageTag: 'v2' }),
    );
    const second = await pushImageBlobs(client, repositoryName);
    await client.send(
      new PutImageCommand({ repositoryName, imageManifest: second.manifest, imageTag: 'v3' }),
    );
    const uploadIds = [];
    for (let i = 0; i < 4; i++) uploadIds.push(await initiate(client, repositoryName));
    const tokens = [
      (await client.send(new DescribeRepositoriesCommand({ maxResults: 1 }))).nextToken!,
      (await client.send(new ListImagesCommand({ repositoryName, maxResults: 1 }))).nextToken!,
    ];
    const parsed = JSON.parse(image.manifest) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    state = {
      registryId: '000000000000',
      repositoryName,
      uploadIds,
      layerDigests: [parsed.config.digest, ...parsed.layers.map((l) => l.digest)],
      manifest: image.manifest,
      imageDigest: image.digest,
      tokens,
    };
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await berth?.stop();
    await db?.drop();
    for (const dir of [blobDir, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${CASES} mutated requests with successes or well-formed ECR errors, never a 5xx, in bounded memory`, async () => {
    const pid = berth.child.pid!;
    // NaN once the process is gone (the checks below then say how it ended).
    const rssNow = (): number => {
      try {
        return rssBytes(pid);
      } catch {
        return NaN;
      }
    };
    const corpus = corpusCases(state);
    const oversized = oversizedCases(state, BODY_LIMIT);
    const randomCount = Math.max(0, CASES - corpus.length - oversized.length);
    // The corpus comes first, then random cases, with the oversized bodies spread over the first
    // 40%: by the second half every kind of request has been seen, and memory must stop growing.
    const schedule: (FuzzCase | number)[] = [...corpus];
    const every = Math.floor((randomCount * 0.4) / (oversized.length + 1));
    for (let i = 0; i < randomCount; i++) {
      schedule.push(i);
      if (every > 0 && (i + 1) % every === 0 && oversized.length > 0) {
        schedule.push(oversized.shift()!);
      }
    }
    schedule.push(...oversized);
    const cases = ONLY === undefined ? schedule : [ONLY];

    const failures: Failure[] = [];
    const outcomes = new Map<string, number>();
    const kinds: Record<AnswerKind, number> = { success: 0, 'front door': 0, handler: 0 };
    const reached = new Map<string, number>();
    const rss: number[] = [rssNow()];
    let next = 0;
    let done = 0;
    const started = performance.now();

    async function worker(): Promise<void> {
      while (next < cases.length) {
        const item = cases[next++];
        const c = typeof item === 'number' ? fuzzCase(SEED, item, state) : item;
        let outcome: string;
        try {
          const answer = await sendCase(berth.url, c);
          const problems = shapeProblems(answer);
          if (answer.status >= 500) problems.unshift(`status ${answer.status}`);
          const name = answer.status === 200 ? '200' : String(answer.json?.__type);
          outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
          const kind = answerKind(
            answer.status,
            answer.headers.get('x-amzn-errortype') ?? undefined,
          );
          kinds[kind]++;
          if (kind !== 'front door') reached.set(c.operation, (reached.get(c.operation) ?? 0) + 1);
          outcome =
            problems.length === 0
              ? ''
              : `${problems.join('; ')}: ${answer.status} ${answer.text.slice(0, 300)}`;
        } catch (err) {
          const cause = (err as Error).cause as Error | undefined;
          outcome = `no answer: ${(err as Error).message} ${cause?.message ?? ''}`;
        }
        if (outcome) {
          failures.push({ case: c.index, operation: c.operation, mutations: c.mutations, outcome });
        }
        if (++done % 250 === 0) rss.push(rssNow());
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
    const seconds = (performance.now() - started) / 1000;
    rss.push(rssNow());

    const live = await fetch(`${berth.url}/health/live`).then(
      (r) => r.status,
      (err: Error) => err.message,
    );
    if (berth.child.exitCode !== null || berth.child.signalCode !== null) {
      console.log(
        `the service ended (exit ${berth.child.exitCode}, signal ${berth.child.signalCode}):\n` +
          berth.output().slice(-6000),
      );
    }
    const mb = (n: number): string => `${(n / MiB).toFixed(0)} MiB`;
    const firstHalf = rss.slice(0, Math.floor(rss.length / 2));
    const secondHalf = rss.slice(Math.floor(rss.length / 2));
    console.log(
      `fuzz: seed ${SEED}, ${done} cases (${corpus.length} corpus, ${oversizedCases(state, BODY_LIMIT).length} oversized) ` +
        `in ${seconds.toFixed(1)} s; answers ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}; ` +
        `RSS ${mb(rss[0])} at start, max ${mb(Math.max(...rss))}, ${mb(rss[rss.length - 1])} at the end; ` +
        `${failures.length} failures; RSS every 250 cases (MiB): ${rss.map((r) => Math.round(r / MiB)).join(' ')}`,
    );
    const share = (n: number): string => `${((100 * n) / Math.max(done, 1)).toFixed(1)}%`;
    console.log(
      `fuzz: ${share(kinds.success)} successes, ${share(kinds.handler)} errors raised in handlers, ` +
        `${share(kinds['front door'])} front-door refusals; handler answers by operation ` +
        JSON.stringify(Object.fromEntries(OPERATIONS.map((op) => [op, reached.get(op) ?? 0]))),
    );
    if (process.env.FUZZ_REPORT) {
      fs.writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(failures, null, 1));
    }
    if (failures.length > 0) {
      console.log(
        failures
          .slice(0, 30)
          .map(
            (f) =>
              `FUZZ_SEED=${SEED} FUZZ_ONLY=${f.case} ${f.operation} [${f.mutations.join(' | ')}] -> ${f.outcome}`,
          )
          .join('\n'),
      );
      console.log(`the service's log (the end):\n${berth.output().slice(-6000)}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(done).toBe(cases.length);
    if (ONLY === undefined && done >= MIN_CASES_FOR_SHARES) {
      // The requests reached the handlers: signing, parsing and validation let valid ones through.
      expect(kinds.success / done).toBeGreaterThanOrEqual(MIN_SUCCESS_SHARE);
      expect(kinds.handler / done).toBeGreaterThanOrEqual(MIN_HANDLER_ERROR_SHARE);
      expect(OPERATIONS.filter((op) => !reached.has(op))).toEqual([]);
    }
    // The process is alive, and its memory bounded: under the limit, and no higher in the second
    // half of the run (small requests only) than in the first (every kind, the largest included).
    expect({ exit: berth.child.exitCode, signal: berth.child.signalCode }).toEqual({
      exit: null,
      signal: null,
    });
    expect(live).toBe(200);
    expect(Math.max(...rss)).toBeLessThan(RSS_LIMIT);
    if (ONLY === undefined) {
      expect(Math.max(...secondHalf)).toBeLessThan(Math.max(...firstHalf) + RSS_GROWTH_LIMIT);
    }
  }, 600_000);

  /**
   * Found by FUZZ_SEED=7 (case 657): 20 MB of `{},{},…` used to make JSON.parse build about
   * 575 MiB of objects. Bodies are now limited per operation (1 MiB for the small inputs), and a
   * large body with more than MAX_JSON_ELEMENTS objects, lists and elements is refused before
   * parsing.
   */
  it('survives 20 MB bodies of empty JSON objects, within its memory', async () => {
    const victimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fuzz-data-'));
    const victim = await startBerthProcess({
      DATABASE_URL: db.url,
      BLOB_DIR: blobDir,
      DATA_DIR: victimDir,
      LOG_LEVEL: 'fatal',
      NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MIB}`,
    });
    try {
      const amplified = (operation: FuzzCase['operation'], prefix: string): FuzzCase => ({
        index: -1,
        operation,
        target: `AmazonEC2ContainerRegistry_V20150921.${operation}`,
        contentType: 'application/x-amz-json-1.1',
        body: Buffer.from(`${prefix},"x":[${'{},'.repeat(6_500_000)}{}]}`),
        auth: { kind: 'signed' },
        headers: {},
        query: '',
        chunked: false,
        mutations: [],
      });
      const cases = [
        amplified('CreateRepository', '{"repositoryName":"fuzz/amplified"'),
        amplified('UploadLayerPart', '{"repositoryName":"fuzz/amplified"'),
        amplified('PutImage', '{"repositoryName":"fuzz/amplified"'),
      ];
      const answers = await Promise.all([...cases, ...cases].map((c) => sendCase(victim.url, c)));
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(['InvalidParameterException', 'SerializationException']).toContain(
          answer.headers.get('x-amzn-errortype'),
        );
      }
      expect(victim.child.exitCode).toBeNull();
      expect(rssBytes(victim.child.pid!)).toBeLessThan(RSS_LIMIT);
    } finally {
      await victim.kill();
      fs.rmSync(victimDir, { recursive: true, force: true });
    }
  }, 120_000);
});
