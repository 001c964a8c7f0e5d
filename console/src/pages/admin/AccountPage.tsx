import { useState, type FormEvent } from 'react';
import type { AdminAccessKey, AdminAccount, AdminPage } from '../../admin-api';
import { useAdmin } from '../../admin-context';
import { describeError, isSessionError } from '../../api';
import { ConfirmDialog, CopyButton, ErrorBox, Link, Loading, Notice } from '../../components';
import { formatBytes, formatDate } from '../../format';
import { hrefOf, navigate } from '../../router';
import { useAdminGet } from './use-admin';

type Action =
  | { kind: 'status'; key: AdminAccessKey; status: 'Active' | 'Inactive' }
  | { kind: 'delete-key'; key: AdminAccessKey }
  | { kind: 'delete-account' };

const dateOf = (iso: string | null): string => (iso ? formatDate(new Date(iso)) : '—');

/**
 * One account: its access keys (create; deactivate, reactivate and delete, each confirmed; a
 * new key's secret is shown once, here, and never again) and the account's deletion.
 */
export function AccountPage(props: { accountId: string }) {
  const { call, signOut } = useAdmin();
  const base = `/accounts/${encodeURIComponent(props.accountId)}`;
  const [account] = useAdminGet<AdminAccount>(base);
  const [keys, reload] = useAdminGet<AdminPage<AdminAccessKey>>(`${base}/access-keys?limit=1000`);
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<{ accessKeyId: string; secretAccessKey: string }>();
  const [action, setAction] = useState<Action>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const run = async (work: () => Promise<string>): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await work());
    } catch (err) {
      if (isSessionError(err)) return signOut(err);
      setError(describeError(err));
    }
    reload();
  };

  const create = (e: FormEvent): Promise<void> => {
    e.preventDefault();
    return run(async () => {
      const created = await call<AdminAccessKey & { secretAccessKey: string }>(
        'POST',
        `${base}/access-keys`,
        description.trim() ? { description: description.trim() } : {},
      );
      setDescription('');
      setSecret({ accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey });
      return `Access key ${created.accessKeyId} created.`;
    });
  };

  const confirm = (a: Action): Promise<void> => {
    setAction(undefined);
    setSecret(undefined);
    return run(async () => {
      if (a.kind === 'status') {
        await call('PATCH', `/access-keys/${a.key.accessKeyId}`, { status: a.status });
        return `Access key ${a.key.accessKeyId} is ${a.status === 'Active' ? 'active' : 'inactive'}.`;
      }
      if (a.kind === 'delete-key') {
        await call('DELETE', `/access-keys/${a.key.accessKeyId}`);
        return `Access key ${a.key.accessKeyId} deleted.`;
      }
      await call('DELETE', base);
      navigate(hrefOf({ page: 'admin-accounts' }));
      return `Account ${props.accountId} deleted.`;
    });
  };

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={hrefOf({ page: 'admin-accounts' })}>Accounts</Link> /{' '}
        <span>{props.accountId}</span>
      </nav>
      <h1>Account {props.accountId}</h1>
      {account.status === 'failed' && <ErrorBox error={account.error} />}
      {account.status === 'done' && (
        <dl className="facts">
          <dt>Name</dt>
          <dd>{account.value.name ?? '—'}</dd>
          <dt>Created</dt>
          <dd>{dateOf(account.value.createdAt)}</dd>
          <dt>Stored</dt>
          <dd>{formatBytes(account.value.storedBytes)}</dd>
        </dl>
      )}
      <h2>Access keys</h2>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="New access key">
        <label>
          Description
          <input
            name="description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          Create access key
        </button>
      </form>
      {secret && (
        <div className="secret" role="region" aria-label="New secret access key">
          <p>
            The secret access key of <code>{secret.accessKeyId}</code>, shown this once: copy it
            now. Berth keeps only what checks a signature with it.
          </p>
          <div className="copy-line">
            <code className="secret-value">{secret.secretAccessKey}</code>
            <CopyButton text={secret.secretAccessKey} label="secret access key" />
          </div>
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      )}
      <Notice text={notice} />
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {keys.status === 'loading' && <Loading what="access keys" />}
      {keys.status === 'failed' && <ErrorBox error={keys.error} />}
      {keys.status === 'done' && keys.value.items.length === 0 && (
        <p className="empty">No access key.</p>
      )}
      {keys.status === 'done' && keys.value.items.length > 0 && (
        <div className="table-wrap">
          <table className="keys">
            <thead>
              <tr>
                <th>Access key id</th>
                <th>Status</th>
                <th>Description</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.value.items.map((k) => (
                <tr key={k.accessKeyId}>
                  <td>
                    <code>{k.accessKeyId}</code>
                  </td>
                  <td>{k.status}</td>
                  <td>{k.description ?? '—'}</td>
                  <td>{dateOf(k.createdAt)}</td>
                  <td>{dateOf(k.lastUsedAt)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="small"
                      aria-label={`${k.status === 'Active' ? 'Deactivate' : 'Activate'} ${k.accessKeyId}`}
                      onClick={() =>
                        setAction({
                          kind: 'status',
                          key: k,
                          status: k.status === 'Active' ? 'Inactive' : 'Active',
                        })
                      }
                    >
                      {k.status === 'Active' ? 'Deactivate' : 'Activate'}
                    </button>
                    <button
                      type="button"
                      className="danger small"
                      aria-label={`Delete ${k.accessKeyId}`}
                      onClick={() => setAction({ kind: 'delete-key', key: k })}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Account</h2>
      <p>
        <Link href={`${hrefOf({ page: 'admin-storage' })}?account=${props.accountId}`}>
          Its repositories and their storage
        </Link>
      </p>
      <button
        type="button"
        className="danger"
        onClick={() => setAction({ kind: 'delete-account' })}
      >
        Delete account
      </button>
      {action && (
        <ConfirmDialog
          title={
            action.kind === 'status'
              ? `${action.status === 'Active' ? 'Activate' : 'Deactivate'} ${action.key.accessKeyId}?`
              : action.kind === 'delete-key'
                ? `Delete ${action.key.accessKeyId}?`
                : `Delete account ${props.accountId}?`
          }
          confirmLabel={
            action.kind === 'status'
              ? action.status === 'Active'
                ? 'Activate'
                : 'Deactivate'
              : 'Delete'
          }
          onCancel={() => setAction(undefined)}
          onConfirm={() => void confirm(action)}
        >
          <p>
            {action.kind === 'status'
              ? action.status === 'Inactive'
                ? 'Calls signed with it are refused until it is activated again.'
                : 'Calls signed with it are accepted again.'
              : action.kind === 'delete-key'
                ? 'Calls signed with it are refused from now on; it cannot be brought back.'
                : 'The account and its access keys are deleted (refused while it owns repositories).'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
