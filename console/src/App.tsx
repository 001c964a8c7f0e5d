import { lazy, Suspense, useMemo, useState } from 'react';
import { describeError, ecrClient } from './api';
import { Link, Loading, TopBar } from './components';
import { ConsoleContext } from './context';
import { ImagePage } from './pages/ImagePage';
import { RepositoriesPage } from './pages/RepositoriesPage';
import { RepositoryPage } from './pages/RepositoryPage';
import { SignIn } from './pages/SignIn';
import { hrefOf, isAdminRoute, useRoute, type Route } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';

// Pages fewer people open load on demand: the first page loads less.
const AdminConsole = lazy(() =>
  import('./pages/admin/AdminConsole').then((m) => ({ default: m.AdminConsole })),
);
const LifecyclePage = lazy(() =>
  import('./pages/LifecyclePage').then((m) => ({ default: m.LifecyclePage })),
);

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string | undefined>();
  const route = useRoute();
  const value = useMemo(
    () =>
      session && {
        session,
        ecr: ecrClient(session),
        signOut: (reason?: unknown) => {
          clearSession();
          setSession(undefined);
          setNotice(reason === undefined ? 'Signed out.' : `Signed out: ${describeError(reason)}`);
        },
      },
    [session],
  );

  // The admin pages sign in with the admin token, apart from any access key.
  if (isAdminRoute(route)) {
    return (
      <Suspense fallback={<Loading what="the admin pages" />}>
        <AdminConsole route={route} />
      </Suspense>
    );
  }
  if (!value) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return (
    <ConsoleContext.Provider value={value}>
      <TopBar
        who={value.session.accessKeyId}
        whoTitle="Access key id"
        onSignOut={() => value.signOut()}
      />
      <main>
        <Page route={route} />
      </main>
    </ConsoleContext.Provider>
  );
}

function Page(props: { route: Route }) {
  const route = props.route;
  switch (route.page) {
    case 'repositories':
      return <RepositoriesPage />;
    case 'repository':
      return <RepositoryPage key={route.name} name={route.name} />;
    case 'image':
      return (
        <ImagePage key={`${route.name}@${route.digest}`} name={route.name} digest={route.digest} />
      );
    case 'lifecycle':
      return (
        <Suspense fallback={<Loading what="the page" />}>
          <LifecyclePage key={route.name} name={route.name} />
        </Suspense>
      );
    case 'admin-accounts':
    case 'admin-account':
    case 'admin-storage':
    case 'admin-gc':
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No page here. <Link href={hrefOf({ page: 'repositories' })}>See the repositories.</Link>
          </p>
        </section>
      );
  }
}
