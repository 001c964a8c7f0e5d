import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  GetDownloadUrlForLayerCommand,
  ListImageReferrersCommand,
} from '@aws-sdk/client-ecr';
import { useState } from 'react';
import { CopyLine, ErrorBox, Link, Loading } from '../components';
import { useConsole } from '../context';
import { formatBytes, formatDate, shortDigest } from '../format';
import { hrefOf } from '../router';
import { useCall } from '../use-call';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  artifactType?: string;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
}

interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: { Entrypoint?: string[]; Cmd?: string[]; Labels?: Record<string, string> };
  history?: { created?: string; created_by?: string; empty_layer?: boolean }[];
}

/** One image: its manifest, config, layers, an index's children, and its referrers. */
export function ImagePage(props: { name: string; digest: string }) {
  const { ecr, signOut } = useConsole();
  const [raw, setRaw] = useState(false);

  const [image] = useCall(
    async () => {
      const [got, described] = await Promise.all([
        ecr.send(
          new BatchGetImageCommand({
            repositoryName: props.name,
            imageIds: [{ imageDigest: props.digest }],
            acceptedMediaTypes: MANIFEST_TYPES,
          }),
        ),
        ecr.send(
          new DescribeImagesCommand({
            repositoryName: props.name,
            imageIds: [{ imageDigest: props.digest }],
          }),
        ),
      ]);
      const found = got.images?.[0];
      if (!found?.imageManifest) {
        const f = got.failures?.[0];
        throw Object.assign(new Error(f?.failureReason ?? 'The image was not found'), {
          name: f?.failureCode ?? 'ImageNotFoundException',
        });
      }
      return {
        text: found.imageManifest,
        manifest: JSON.parse(found.imageManifest) as Manifest,
        mediaType: found.imageManifestMediaType,
        detail: described.imageDetails?.[0],
      };
    },
    [props.name, props.digest],
    signOut,
  );

  const configDigest = image.status === 'done' ? image.value.manifest.config?.digest : undefined;
  const [config] = useCall(
    async (): Promise<ImageConfig | undefined> => {
      if (!configDigest) return undefined;
      const out = await ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: props.name,
          layerDigest: configDigest,
        }),
      );
      // Only this origin may be fetched (connect-src 'self'): an external blob store is not.
      if (!out.downloadUrl || new URL(out.downloadUrl).origin !== window.location.origin) {
        return undefined;
      }
      const res = await fetch(out.downloadUrl, { credentials: 'omit' });
      if (!res.ok) throw new Error(`The config blob answered ${res.status}`);
      return (await res.json()) as ImageConfig;
    },
    [props.name, configDigest],
    signOut,
  );

  const [referrers] = useCall(
    async () =>
      (
        await ecr.send(
          new ListImageReferrersCommand({
            repositoryName: props.name,
            subjectId: { imageDigest: props.digest },
          }),
        )
      ).referrers ?? [],
    [props.name, props.digest],
    signOut,
  );

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={hrefOf({ page: 'repositories' })}>Repositories</Link> /{' '}
        <Link href={hrefOf({ page: 'repository', name: props.name })}>{props.name}</Link> /{' '}
        <span>{shortDigest(props.digest)}</span>
      </nav>
      <h1 className="digest-title">
        {props.name}@<code>{props.digest}</code>
      </h1>
      {image.status === 'loading' && <Loading what="the image" />}
      {image.status === 'failed' && <ErrorBox error={image.error} />}
      {image.status === 'done' && (
        <>
          <dl className="facts">
            <dt>Tags</dt>
            <dd>{image.value.detail?.imageTags?.join(', ') || 'untagged'}</dd>
            <dt>Media type</dt>
            <dd>{image.value.mediaType ?? image.value.manifest.mediaType}</dd>
            {image.value.manifest.artifactType && (
              <>
                <dt>Artifact type</dt>
                <dd>{image.value.manifest.artifactType}</dd>
              </>
            )}
            <dt>Size</dt>
            <dd>{formatBytes(image.value.detail?.imageSizeInBytes)}</dd>
            <dt>Pushed</dt>
            <dd>{formatDate(image.value.detail?.imagePushedAt)}</dd>
            <dt>Last pulled</dt>
            <dd>{formatDate(image.value.detail?.lastRecordedPullTime)}</dd>
          </dl>
          <div className="docker-lines">
            <CopyLine
              text={`docker pull ${window.location.host}/${props.name}@${props.digest}`}
              label="docker pull command"
            />
          </div>
          {image.value.manifest.subject?.digest && (
            <p>
              Refers to{' '}
              <Link
                href={hrefOf({
                  page: 'image',
                  name: props.name,
                  digest: image.value.manifest.subject.digest,
                })}
              >
                <code>{shortDigest(image.value.manifest.subject.digest)}</code>
              </Link>
            </p>
          )}
          {image.value.manifest.manifests && (
            <Children name={props.name} manifests={image.value.manifest.manifests} />
          )}
          {image.value.manifest.config && (
            <>
              <h2>Config</h2>
              {config.status === 'loading' && <Loading what="the config" />}
              {config.status === 'failed' && <ErrorBox error={config.error} />}
              {config.status === 'done' && <ConfigSummary config={config.value} />}
            </>
          )}
          {image.value.manifest.layers && <Layers layers={image.value.manifest.layers} />}
          <h2>Referrers</h2>
          {referrers.status === 'loading' && <Loading what="referrers" />}
          {referrers.status === 'failed' && <ErrorBox error={referrers.error} />}
          {referrers.status === 'done' && referrers.value.length === 0 && (
            <p className="empty">No signatures, SBOMs or attestations refer to this image.</p>
          )}
          {referrers.status === 'done' && referrers.value.length > 0 && (
            <div className="table-wrap">
              <table className="referrers">
                <thead>
                  <tr>
                    <th>Artifact type</th>
                    <th>Digest</th>
                    <th className="num">Size</th>
                  </tr>
                </thead>
                <tbody>
                  {referrers.value.map((r) => (
                    <tr key={r.digest}>
                      <td>{r.artifactType ?? r.mediaType}</td>
                      <td>
                        <Link
                          href={hrefOf({ page: 'image', name: props.name, digest: r.digest ?? '' })}
                        >
                          <code>{shortDigest(r.digest)}</code>
                        </Link>
                      </td>
                      <td className="num">{formatBytes(r.size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="page-head">
            <h2>Manifest</h2>
            <button type="button" onClick={() => setRaw((r) => !r)} aria-pressed={raw}>
              {raw ? 'Pretty-print' : 'Show raw'}
            </button>
          </div>
          <pre className="manifest" tabIndex={0} aria-label="Manifest">
            {raw ? image.value.text : JSON.stringify(image.value.manifest, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}

function Children(props: { name: string; manifests: Descriptor[] }) {
  return (
    <>
      <h2>Images of this index</h2>
      <div className="table-wrap">
        <table className="children">
          <thead>
            <tr>
              <th>Platform</th>
              <th>Digest</th>
              <th className="num">Manifest size</th>
              <th>Media type</th>
            </tr>
          </thead>
          <tbody>
            {props.manifests.map((m) => (
              <tr key={m.digest}>
                <td>
                  {m.platform
                    ? [m.platform.os, m.platform.architecture, m.platform.variant]
                        .filter(Boolean)
                        .join('/')
                    : (m.artifactType ?? '—')}
                </td>
                <td>
                  <Link href={hrefOf({ page: 'image', name: props.name, digest: m.digest ?? '' })}>
                    <code>{shortDigest(m.digest)}</code>
                  </Link>
                </td>
                <td className="num">{formatBytes(m.size)}</td>
                <td className="media-type">{m.mediaType}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Layers(props: { layers: Descriptor[] }) {
  const total = props.layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
  return (
    <>
      <h2>
        Layers{' '}
        <span className="muted">
          ({props.layers.length}, {formatBytes(total)})
        </span>
      </h2>
      <div className="table-wrap">
        <table className="layers">
          <thead>
            <tr>
              <th>#</th>
              <th>Digest</th>
              <th className="num">Size</th>
              <th>Media type</th>
            </tr>
          </thead>
          <tbody>
            {props.layers.map((l, i) => (
              <tr key={`${i}-${l.digest}`}>
                <td>{i + 1}</td>
                <td>
                  <code title={l.digest}>{shortDigest(l.digest)}</code>
                </td>
                <td className="num">{formatBytes(l.size)}</td>
                <td className="media-type">{l.mediaType}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ConfigSummary(props: { config: ImageConfig | undefined }) {
  const c = props.config;
  if (!c) return <p className="empty">The config is kept outside this origin; not shown.</p>;
  const labels = Object.entries(c.config?.Labels ?? {});
  return (
    <>
      <dl className="facts">
        <dt>Platform</dt>
        <dd>{[c.os, c.architecture].filter(Boolean).join('/') || '—'}</dd>
        <dt>Created</dt>
        <dd>{c.created ?? '—'}</dd>
        <dt>Entrypoint</dt>
        <dd>
          <code>{c.config?.Entrypoint ? JSON.stringify(c.config.Entrypoint) : '—'}</code>
        </dd>
        <dt>Command</dt>
        <dd>
          <code>{c.config?.Cmd ? JSON.stringify(c.config.Cmd) : '—'}</code>
        </dd>
        {labels.map(([k, v]) => (
          <div key={k} className="label-row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {c.history && c.history.length > 0 && (
        <details>
          <summary>History ({c.history.length} steps)</summary>
          <ol className="history">
            {c.history.map((h, i) => (
              <li key={i}>
                <code>{h.created_by ?? '(no command)'}</code>
                {h.empty_layer && <span className="muted"> (no layer)</span>}
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
