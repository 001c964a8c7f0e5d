/** The /v2 scenarios in the report: their targets and their section of the markdown. */
import type { BlobStoreDriver } from '../src/config/app-config';
import type { OciResults, OciScenario, OciTargetResult, OciTransfer } from './oci';
import { cores, NOISY_OTHER_CORES, table, type Target, type TargetStatus } from './report-table';
import { formatSize, MiB } from './stats';

const f1 = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1);
const f2 = (n: number | undefined | null): string =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(2);
const ratioOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b !== undefined && Number.isFinite(a) && b > 0 ? a / b : undefined;

function judge(value: number | undefined, limit: number, atLeast: boolean): TargetStatus {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  return (atLeast ? value >= limit : value <= limit) ? 'met' : 'not met';
}

function targetOf(oci: OciResults, name: OciTargetResult['target']): OciTargetResult | undefined {
  return oci.targets.find((t) => t.target === name);
}

/** What a Berth scenario is set against: distribution's same scenario, or its blob GET. */
const PEER_SCENARIO: Record<OciScenario, OciScenario> = {
  push: 'push',
  pull: 'pull',
  blobPut: 'blobPut',
  blobGet: 'blobGet',
  downloadUrl: 'blobGet',
  concurrent: 'concurrent',
};

function scenarioName(oci: OciResults, key: OciScenario): string {
  const p = oci.plan;
  switch (key) {
    case 'push':
      return `skopeo push (${p.layerSizes.map(formatSize).join(' + ')} layers)`;
    case 'pull':
      return 'skopeo pull to dir:';
    case 'blobPut':
      return `blob PUT of ${formatSize(p.blobSize)} (POST + one PUT)`;
    case 'blobGet':
      return `blob GET of ${formatSize(p.blobSize)}`;
    case 'downloadUrl':
      return `GetDownloadUrlForLayer + GET of ${formatSize(p.blobSize)}`;
    case 'concurrent':
      return `${p.concurrentBlobs} × ${formatSize(p.concurrentBlobSize)} concurrent blob PUTs`;
  }
}

const transferOf = (t: OciTargetResult | undefined, key: OciScenario): OciTransfer | undefined =>
  t?.[key];

/** The targets of the /v2 scenarios, as ratios to distribution measured in the same run. */
export function ociTargets(oci: OciResults | undefined, drivers: BlobStoreDriver[]): Target[] {
  if (!oci) return [];
  const targets: Target[] = [];
  const peer = targetOf(oci, 'distribution');
  const ratioTarget = (driver: BlobStoreDriver, key: OciScenario, limit: number): void => {
    const mine = transferOf(targetOf(oci, driver), key);
    const theirs = transferOf(peer, PEER_SCENARIO[key]);
    const r = ratioOf(mine?.mbps, theirs?.mbps);
    const against = key === 'downloadUrl' ? "distribution's blob GET" : 'distribution';
    targets.push({
      target: `/v2 ${scenarioName(oci, key)} ≥ ${limit.toFixed(1)}× ${against}`,
      driver,
      measured: mine ? `${f1(mine.mbps)} MB/s` : '–',
      against: theirs ? `${f1(theirs.mbps)} MB/s` : '–',
      ratio: r ?? null,
      required: `≥ ${limit.toFixed(1)}×`,
      status: judge(r, limit, true),
    });
  };
  for (const driver of drivers) {
    const filesystem = driver === 'filesystem';
    ratioTarget(driver, 'push', filesystem ? 1.5 : 0.5);
    ratioTarget(driver, 'blobPut', filesystem ? 1.5 : 0.5);
    ratioTarget(driver, 'blobGet', filesystem ? 1.0 : 0.5);
    ratioTarget(driver, 'downloadUrl', filesystem ? 1.0 : 0.5);
  }
  for (const driver of drivers) {
    const c = targetOf(oci, driver)?.concurrent;
    const theirs = peer?.concurrent;
    targets.push({
      target: `/v2 server RSS ≤ 512 MiB during ${scenarioName(oci, 'concurrent')}`,
      driver,
      measured: c ? `${f1(c.peakServerRssMiB)} MiB` : '–',
      against: `512 MiB${theirs ? ` (distribution: ${f1(theirs.peakServerRssMiB)} MiB)` : ''}`,
      ratio: c ? c.peakServerRssMiB / 512 : null,
      required: '≤ 1.0×',
      status: judge(c ? c.peakServerRssMiB / 512 : undefined, 1, false),
    });
  }
  return targets;
}

/** CPU milliseconds of the server (and of PostgreSQL) per MB moved. */
const serverMsPerMB = (t: OciTransfer): number =>
  ((t.cpu.serverCores + t.cpu.postgresCores) * t.seconds * 1000) / (t.bytes / 1e6);

/**
 * What bounded a measurement, from its CPU split: the machine's cores all busy (and by whom),
 * waiting on the disk, one busy thread, or none of these (round trips and hand-offs).
 */
export function boundOf(t: OciTransfer, server: string, nproc: number): string {
  const c = t.cpu;
  const busy = c.serverCores + c.postgresCores + c.clientCores + c.otherCores;
  const parties: [string, number][] = [
    [server, c.serverCores],
    ['PostgreSQL', c.postgresCores],
    [t.skopeoCpuSeconds !== undefined ? 'the client (skopeo)' : 'the client', c.clientCores],
    ['other work on the machine', c.otherCores],
  ];
  parties.sort((a, b) => b[1] - a[1]);
  const [top, topCores] = parties[0];
  const noisy =
    c.otherCores > NOISY_OTHER_CORES
      ? `; other work took ${f2(c.otherCores)} cores, so the figure is probably low`
      : '';
  if (busy >= 0.85 * nproc) {
    return `CPU: ${f2(busy)} of ${nproc} cores busy, most by ${top} (${f2(topCores)})${noisy}`;
  }
  if (c.iowaitCores >= 0.5) {
    return `the disk: ${f2(c.iowaitCores)} cores idle in iowait, ${f2(busy)} of ${nproc} busy${noisy}`;
  }
  if (topCores >= 0.85) {
    return `one thread: ${top} at ${f2(topCores)} cores (about one core), ${f2(busy)} of ${nproc} busy${noisy}`;
  }
  return (
    `neither CPU (${f2(busy)} of ${nproc} cores busy, most by ${top} at ${f2(topCores)}) nor ` +
    `the disk (iowait ${f2(c.iowaitCores)}): waits between client, server and storage${noisy}`
  );
}

/** "256 MiB", or "65.0 MiB" for a size that is not a whole number of units. */
const bytesOf = (n: number): string =>
  n % MiB === 0 || n < MiB ? formatSize(n) : `${(n / MiB).toFixed(1)} MiB`;

const SCENARIOS: OciScenario[] = [
  'push',
  'pull',
  'blobPut',
  'blobGet',
  'downloadUrl',
  'concurrent',
];

export function renderOci(oci: OciResults, targets: Target[], nproc: number): string[] {
  const out: string[] = [];
  const peer = targetOf(oci, 'distribution');
  out.push('## /v2 (OCI Distribution) against distribution');
  out.push('');
  out.push(
    `Berth's /v2 door for each storage driver and CNCF distribution ${oci.distribution} ` +
      '(Debian `docker-registry`, filesystem storage, no auth), all running at once, fresh ' +
      'data for each, every scenario run on each server in turn with the same bytes and the same ' +
      `client. The image: one layer per size (${oci.plan.layerSizes.map(formatSize).join(', ')}), ` +
      `each an uncompressed tar of random bytes, ${bytesOf(oci.imageBytes)} with config and ` +
      `manifest; ${oci.skopeo}, \`--preserve-digests\` so nothing is recompressed, from an ` +
      '`oci:` layout on local disk to `docker://` (push) and to a fresh `dir:` (pull), as user ' +
      '`AWS` with the `GetAuthorizationToken` password for Berth, anonymous for distribution. ' +
      'Blobs: a `node:http` client, `POST /v2/<name>/blobs/uploads/` then one `PUT ' +
      '<Location>?digest=` carrying the whole blob (monolithic, no `PATCH`), and a `GET` read ' +
      'whole and hashed by the client; the download URL is `GetDownloadUrlForLayer` (timed with ' +
      "the transfer) and a `GET` of its URL by the same client, set against distribution's blob " +
      '`GET`. CPU is average cores busy: server / PostgreSQL / client (the benchmark process, plus ' +
      'skopeo where it is the client) / everything else; "server CPU" is server + PostgreSQL CPU ' +
      'milliseconds per MB moved.',
  );
  out.push('');
  const rows: string[][] = [];
  for (const key of SCENARIOS) {
    for (const t of oci.targets) {
      const x = t[key];
      if (!x) continue;
      const theirs = transferOf(peer, PEER_SCENARIO[key]);
      const mark = x.cpu.otherCores > NOISY_OTHER_CORES ? ' †' : '';
      const repeated = x.discarded?.length
        ? ` ‡ (${x.discarded.map((d) => `${f1(d.value)} with ${f2(d.otherCores)} other`).join(', ')})`
        : '';
      rows.push([
        scenarioName(oci, key),
        t.target,
        bytesOf(x.bytes),
        f1(x.seconds),
        `**${f1(x.mbps)}**${mark}${repeated}`,
        t.target === 'distribution' && key === PEER_SCENARIO[key]
          ? '1.00'
          : f2(ratioOf(x.mbps, theirs?.mbps)),
        x.urlMs !== undefined ? `${x.urlMs.toFixed(1)}` : '',
        f1(x.peakServerRssMiB),
        cores(x.cpu),
        f2(x.cpu.iowaitCores),
        f1(serverMsPerMB(x)),
      ]);
    }
  }
  out.push(
    table(
      [
        'scenario',
        'server',
        'bytes',
        'time (s)',
        'MB/s',
        '× distribution',
        'GetDownloadUrlForLayer (ms)',
        'peak server RSS (MiB)',
        'CPU server / pg / client / other',
        'iowait',
        'server CPU ms/MB',
      ],
      rows,
      ['l', 'l'],
    ),
  );
  const missed = targets.filter((t) => t.target.startsWith('/v2 ') && t.status === 'not met');
  if (missed.length > 0) {
    out.push('');
    out.push('What bounds the /v2 targets not met, from the CPU split of the same measurements:');
    out.push('');
    for (const t of missed) {
      const key = SCENARIOS.find((k) => t.target.startsWith(`/v2 ${scenarioName(oci, k)}`));
      const mine = key ? transferOf(targetOf(oci, t.driver), key) : undefined;
      if (!key || !mine) continue;
      if (key === 'concurrent') {
        out.push(
          `- ${t.driver}, ${scenarioName(oci, key)}: peak RSS ${f1(mine.peakServerRssMiB)} MiB ` +
            `(${oci.plan.concurrentBlobs} uploads, ${f1(mine.peakServerRssMiB / oci.plan.concurrentBlobs)} MiB each).`,
        );
        continue;
      }
      const theirs = transferOf(peer, PEER_SCENARIO[key]);
      out.push(
        `- ${t.driver}, ${scenarioName(oci, key)} (${t.ratio === null ? '–' : t.ratio.toFixed(2)}×): ` +
          `Berth bounded by ${boundOf(mine, 'the Berth server', nproc)}; server CPU ${f1(serverMsPerMB(mine))} ms/MB` +
          (theirs
            ? ` against distribution's ${f1(serverMsPerMB(theirs))} ms/MB (distribution bounded by ` +
              `${boundOf(theirs, 'the distribution server', nproc)}).`
            : '.'),
      );
    }
  }
  const problems = [
    ...(oci.error ? [`**/v2 phase failed**: ${oci.error}`] : []),
    ...oci.targets.flatMap((t) => t.errors.map((e) => `**/v2 ${t.target} failed**: ${e}`)),
    ...oci.notes,
  ];
  if (problems.length > 0) {
    out.push('');
    for (const p of problems) out.push(`- ${p}`);
  }
  return out;
}
