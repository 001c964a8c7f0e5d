import { useState } from 'react';
import type { AdminAccount, AdminPage, AdminRepository } from '../../admin-api';
import { useAdmin } from '../../admin-context';
import { ErrorBox, Loading } from '../../components';
import { formatBytes } from '../../format';
import { useCall } from '../../use-call';
import { allPages } from './use-admin';

const withCursor = (path: string, cursor?: string): string =>
  cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path;

/**
 * What each account stores (unique bytes: a blob two of its repositories hold counts once) and
 * each repository (its own layers' blobs and manifests), largest first.
 */
export function StoragePage() {
  const { call, signOut } = useAdmin();
  const [accountId, setAccountId] = useState(
    () => new URLSearchParams(window.location.search).get('account') ?? '',
  );
  const [accounts] = useCall(
    () =>
      allPages((c) => call<AdminPage<AdminAccount>>('GET', withCursor('/accounts?limit=1000', c))),
    [],
    signOut,
  );
  const [repositories] = useCall(
    async () => {
      const path = `/repositories?limit=1000${accountId ? `&accountId=${accountId}` : ''}`;
      const all = await allPages((c) =>
        call<AdminPage<AdminRepository>>('GET', withCursor(path, c)),
      );
      return all.sort((a, b) => b.storedBytes - a.storedBytes);
    },
    [accountId],
    signOut,
  );

  return (
    <section>
      <h1>Storage</h1>
      <h2>Per account</h2>
      {accounts.status === 'loading' && <Loading what="accounts" />}
      {accounts.status === 'failed' && <ErrorBox error={accounts.error} />}
      {accounts.status === 'done' && (
        <div className="table-wrap">
          <table className="account-storage">
            <thead>
              <tr>
                <th>Account</th>
                <th>Name</th>
                <th className="num">Stored</th>
              </tr>
            </thead>
            <tbody>
              {[...accounts.value]
                .sort((a, b) => b.storedBytes - a.storedBytes)
                .map((a) => (
                  <tr key={a.accountId}>
                    <td>{a.accountId}</td>
                    <td>{a.name ?? '—'}</td>
                    <td className="num">{formatBytes(a.storedBytes)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="page-head">
        <h2>Per repository</h2>
        <label className="search">
          Account{' '}
          <select name="account" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            <option value="">All accounts</option>
            {accounts.status === 'done' &&
              accounts.value.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.accountId}
                  {a.name ? ` (${a.name})` : ''}
                </option>
              ))}
          </select>
        </label>
      </div>
      {repositories.status === 'loading' && <Loading what="repositories" />}
      {repositories.status === 'failed' && <ErrorBox error={repositories.error} />}
      {repositories.status === 'done' && repositories.value.length === 0 && (
        <p className="empty">No repository.</p>
      )}
      {repositories.status === 'done' && repositories.value.length > 0 && (
        <div className="table-wrap">
          <table className="repository-storage">
            <thead>
              <tr>
                <th>Repository</th>
                <th>Account</th>
                <th className="num">Images</th>
                <th className="num">Layers</th>
                <th className="num">Uploads</th>
                <th className="num">Stored</th>
              </tr>
            </thead>
            <tbody>
              {repositories.value.map((r) => (
                <tr key={r.repositoryId}>
                  <td>{r.name}</td>
                  <td>{r.accountId}</td>
                  <td className="num">{r.imageCount}</td>
                  <td className="num">{r.layerCount}</td>
                  <td className="num">{r.uploadsInProgress}</td>
                  <td className="num">{formatBytes(r.storedBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
