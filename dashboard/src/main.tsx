import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { createCellsClient } from './client';
import { Hosts } from './pages/Hosts';
import { InstanceDetail } from './pages/InstanceDetail';
import { Instances } from './pages/Instances';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Link, navigate, useLocation } from './router';
import { SessionContext, type Session } from './session';
import { readClaims, storedToken, storeToken } from './token';
import './styles.css';

function App() {
  const [token, setToken] = useState(storedToken);
  const { path } = useLocation();
  const claims = token ? readClaims(token) : null;
  const signedIn = token !== null && claims !== null;
  const connection = useMemo(() => (token ? createCellsClient(token) : null), [token]);
  useEffect(() => () => connection?.close(), [connection]);

  const signIn = (next: string) => {
    storeToken(next);
    setToken(next);
    navigate('/');
  };
  if (!signedIn || !connection || path === '/sign-in') return <SignIn onSignIn={signIn} />;

  const session: Session = {
    token,
    claims,
    isAdmin: claims.roles.includes('admin'),
    signOut: () => {
      storeToken(null);
      setToken(null);
      navigate('/sign-in');
    },
  };
  const detail = /^\/instances\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  const page = detail ? (
    <InstanceDetail uuid={detail[1]} key={detail[1]} />
  ) : path.startsWith('/instances') ? (
    <Instances />
  ) : path.startsWith('/hosts') ? (
    <Hosts />
  ) : (
    <Overview />
  );
  const current = (href: string) =>
    (href === '/' ? path === '/' || path === '/cells' : path.startsWith(href)) ? 'page' : undefined;
  return (
    <SessionContext.Provider value={session}>
      <Provider value={connection.client}>
        <header className="top">
          <span className="brand">Cells</span>
          <nav aria-label="Main">
            <Link href="/" aria-current={current('/')}>
              Cells overview
            </Link>
            <Link href="/instances" aria-current={current('/instances')}>
              Instances
            </Link>
            <Link href="/hosts" aria-current={current('/hosts')}>
              Hosts
            </Link>
            <a href="/graphiql">GraphiQL</a>
          </nav>
          <span className="who" data-testid="who">
            {claims.userId} · project {claims.projectId}
            {session.isAdmin ? ' · admin' : ''}
          </span>
          <button type="button" onClick={session.signOut}>
            Sign out
          </button>
        </header>
        <main>{page}</main>
      </Provider>
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
