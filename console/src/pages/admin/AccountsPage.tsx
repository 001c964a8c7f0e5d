import { useState, type FormEvent } from 'react';
import type { AdminAccount } from '../../admin-api';
import { useAdmin } from '../../admin-context';
import { describeError, isSessionError } from '../../api';
import { ErrorBox, Link, Loading, Notice } from '../../components';
import { formatBytes } from '../../format';
import { hrefOf } from '../../router';
import { useCall } from '../../use-call';
import { allPages } from './use-admin';

/** Every account with its stored bytes; a new account (its id generated unless given). */
export function AccountsPage() {
  const { call, signOut } = useAdmin();
  const [accounts, reload] = useCall(
    () =>
      allPages((cursor) =>
        call<{ items: AdminAccount[]; nextCursor: string | null }>(
          'GET',
          `/accounts?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      ),
    [],
    signOut,
  );
  const [accountId, setAccountId] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const create = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    try {
      const created = await call<AdminAccount>('POST', '/accounts', {
        ...(accountId.trim() ? { accountId: accountId.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setAccountId('');
      setName('');
      setNotice(`Account ${created.accountId} created.`);
      reload();
    } catch (err) {
      if (isSessionError(err)) return signOut(err);
      setError(describeError(err));
    }
  };

  return (
    <section>
      <h1>Accounts</h1>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="New account">
        <label>
          Account id
          <input
            name="accountId"
            placeholder="generated"
            inputMode="numeric"
            pattern="\d{12}"
            title="12 digits"
            value={accountId}
            onChange={(e) => setAccountId(e.target.value)}
          />
        </label>
        <label>
          Name
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Create account
        </button>
      </form>
      <Notice text={notice} />
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {accounts.status === 'loading' && <Loading what="accounts" />}
      {accounts.status === 'failed' && <ErrorBox error={accounts.error} />}
      {accounts.status === 'done' && (
        <div className="table-wrap">
          <table className="accounts">
            <thead>
              <tr>
                <th>Account</th>
                <th>Name</th>
                <th className="num">Stored</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {accounts.value.map((a) => (
                <tr key={a.accountId}>
                  <td>
                    <Link href={hrefOf({ page: 'admin-account', accountId: a.accountId })}>
                      {a.accountId}
                    </Link>
                  </td>
                  <td>{a.name ?? '—'}</td>
                  <td className="num">{formatBytes(a.storedBytes)}</td>
                  <td>{a.createdAt.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
