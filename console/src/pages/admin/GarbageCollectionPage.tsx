import { useState } from 'react';
import type { AdminPage, CollectionReport, GarbageCollection } from '../../admin-api';
import { useAdmin } from '../../admin-context';
import { describeError, isSessionError } from '../../api';
import { ConfirmDialog, ErrorBox, Loading } from '../../components';
import { formatBytes, formatDate } from '../../format';
import { useAdminGet } from './use-admin';

/**
 * The last garbage collections of every instance, a dry run (what a collection would remove
 * now) and a collection now, confirmed.
 */
export function GarbageCollectionPage() {
  const { call, signOut } = useAdmin();
  const [runs, reload] = useAdminGet<AdminPage<GarbageCollection>>(
    '/maintenance/garbage-collections?limit=20',
  );
  const [report, setReport] = useState<CollectionReport>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();

  const collect = async (dryRun: boolean): Promise<void> => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    try {
      setReport(await call<CollectionReport>('POST', '/maintenance/collect-garbage', { dryRun }));
      if (!dryRun) reload();
    } catch (err) {
      if (isSessionError(err)) return signOut(err);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Garbage collection</h1>
      <p className="muted">
        Every instance collects on its own schedule (<code>GC_INTERVAL</code>): layers no image
        references once older than <code>LAYER_GRACE</code>, then the blobs and bytes nothing
        references.
      </p>
      <div className="button-row">
        <button type="button" disabled={busy} onClick={() => void collect(true)}>
          Dry run
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => setConfirming(true)}
        >
          Collect now
        </button>
      </div>
      {busy && <Loading what="the collection" />}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {report && (
        <div className="report" role="status">
          <h2>{report.dryRun ? 'A collection now would remove' : 'Removed'}</h2>
          <dl className="facts">
            <dt>Layers</dt>
            <dd>{report.layers}</dd>
            <dt>Blobs</dt>
            <dd>{report.blobs}</dd>
            <dt>Bytes</dt>
            <dd>{formatBytes(report.bytes)}</dd>
            <dt>Layer grace</dt>
            <dd>{report.layerGraceSeconds} s</dd>
          </dl>
        </div>
      )}
      <h2>Last collections</h2>
      {runs.status === 'loading' && <Loading what="the last collections" />}
      {runs.status === 'failed' && <ErrorBox error={runs.error} />}
      {runs.status === 'done' && runs.value.items.length === 0 && (
        <p className="empty">No collection has removed anything yet.</p>
      )}
      {runs.status === 'done' && runs.value.items.length > 0 && (
        <div className="table-wrap">
          <table className="collections">
            <thead>
              <tr>
                <th>Finished</th>
                <th>Started by</th>
                <th className="num">Layers</th>
                <th className="num">Blobs</th>
                <th className="num">Bytes</th>
              </tr>
            </thead>
            <tbody>
              {runs.value.items.map((r) => (
                <tr key={`${r.startedAt}|${r.finishedAt}`}>
                  <td>{formatDate(new Date(r.finishedAt))}</td>
                  <td>{r.requested ? 'admin API' : 'automatic'}</td>
                  <td className="num">{r.layers}</td>
                  <td className="num">{r.blobs}</td>
                  <td className="num">{formatBytes(r.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Collect garbage now?"
          confirmLabel="Collect now"
          onCancel={() => setConfirming(false)}
          onConfirm={() => void collect(false)}
        >
          <p>
            What nothing references is removed for good, bytes included, as the scheduled collection
            would.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
