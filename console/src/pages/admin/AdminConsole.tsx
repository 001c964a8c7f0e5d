import { useMemo, useState, type FormEvent } from 'react';
import {
  adminClient,
  clearAdminToken,
  loadAdminToken,
  saveAdminToken,
  type AdminPage,
} from '../../admin-api';
import { AdminContext, type AdminConsole as Admin } from '../../admin-context';
import { describeError } from '../../api';
import { Link, TopBar } from '../../components';
import { hrefOf, type AdminRoute } from '../../router';
import { AccountPage } from './AccountPage';
import { AccountsPage } from './AccountsPage';
import { GarbageCollectionPage } from './GarbageCollectionPage';
import { StoragePage } from './StoragePage';

/**
 * The admin pages: signed in with the admin token (kept in this tab's sessionStorage only, sent
 * as `Authorization: Bearer` to /admin/v1 on this origin), apart from the access key.
 */
export function AdminConsole(props: { route: AdminRoute }) {
  const [token, setToken] = useState<string | undefined>(loadAdminToken);
  const [notice, setNotice] = useState<string>();
  const value = useMemo<Admin | undefined>(
    () =>
      token
        ? {
            call: adminClient(token),
            signOut: (reason?: unknown) => {
              clearAdminToken();
              setToken(undefined);
              setNotice(
                reason === undefined ? 'Signed out.' : `Signed out: ${describeError(reason)}`,
              );
            },
          }
        : undefined,
    [token],
  );
  if (!value) {
    return (
      <AdminSignIn
        notice={notice}
        onSignedIn={(t) => {
          saveAdminToken(t);
          setNotice(undefined);
          setToken(t);
        }}
      />
    );
  }
  const tab = (route: AdminRoute, label: string) => (
    <Link href={hrefOf(route)} className={route.page === props.route.page ? 'current' : undefined}>
      {label}
    </Link>
  );
  return (
    <AdminContext.Provider value={value}>
      <TopBar
        who="Admin"
        whoTitle="Signed in with the admin token"
        onSignOut={() => value.signOut()}
      />
      <main>
        <nav className="tabs" aria-label="Admin">
          {tab({ page: 'admin-accounts' }, 'Accounts and keys')}
          {tab({ page: 'admin-storage' }, 'Storage')}
          {tab({ page: 'admin-gc' }, 'Garbage collection')}
        </nav>
        <AdminPageOf route={props.route} />
      </main>
    </AdminContext.Provider>
  );
}

function AdminPageOf(props: { route: AdminRoute }) {
  const route = props.route;
  switch (route.page) {
    case 'admin-accounts':
      return <AccountsPage />;
    case 'admin-account':
      return <AccountPage key={route.accountId} accountId={route.accountId} />;
    case 'admin-storage':
      return <StoragePage />;
    case 'admin-gc':
      return <GarbageCollectionPage />;
  }
}

function AdminSignIn(props: { notice?: string; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const t = token.trim();
    try {
      await adminClient(t)<AdminPage<unknown>>('GET', '/accounts?limit=1');
      props.onSignedIn(t);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="admin-sign-in-title">
        <h1 id="admin-sign-in-title">Berth administration</h1>
        <p className="hint">
          Use the admin token (<code>ADMIN_TOKEN</code>, or <code>./data/admin.token</code> when it
          was generated). It stays in this tab and is sent only to this server&apos;s admin API.{' '}
          <Link href={hrefOf({ page: 'repositories' })}>Back to the repositories.</Link>
        </p>
        {props.notice && <p className="notice">{props.notice}</p>}
        <label>
          Admin token
          <input
            name="adminToken"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
        </label>
        {error && (
          <div className="error" role="alert">
            Sign-in failed: {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
