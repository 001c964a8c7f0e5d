import { useMemo, useState } from 'react';
import { describeError, ecrClient } from './api';
import { Link } from './components';
import { ConsoleContext } from './context';
import { ImagePage } from './pages/ImagePage';
import { RepositoriesPage } from './pages/RepositoriesPage';
import { RepositoryPage } from './pages/RepositoryPage';
import { SignIn } from './pages/SignIn';
import { hrefOf, useRoute, type Route } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';

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
      <header className="top">
        <Link href={hrefOf({ page: 'repositories' })} className="brand">
          Berth
        </Link>
        <nav aria-label="Main">
          <Link href={hrefOf({ page: 'repositories' })}>Repositories</Link>
        </nav>
        <span className="who" title="Access key id">
          {value.session.accessKeyId}
        </span>
        <button type="button" onClick={() => value.signOut()}>
          Sign out
        </button>
      </header>
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
