import { useEffect, useState, type FormEvent } from 'react';
import { readClaims } from '../token';

interface DemoSignIn {
  enabled: boolean;
  projects: string[];
}

/**
 * Paste a bearer token; in the default deployment (the gateway holds the development
 * secret) also sign in with one click as a demo project or as admin.
 */
export function SignIn({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [demo, setDemo] = useState<DemoSignIn | null>(null);

  useEffect(() => {
    fetch('/auth/dev-token')
      .then((res) => (res.ok ? (res.json() as Promise<DemoSignIn>) : null))
      .then(setDemo, () => setDemo(null));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    if (!readClaims(value)) return setProblem('That is not a JWT (three base64url parts separated by dots).');
    // Ask the gateway before keeping it: an expired or foreign token is refused here, not on every page.
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${value}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { errors?: { message: string }[] } | null;
      return setProblem(`The gateway refused this token: ${body?.errors?.[0]?.message ?? `HTTP ${res.status}`}`);
    }
    onSignIn(value);
  };

  const demoSignIn = async (project: string, admin: boolean) => {
    const res = await fetch('/auth/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project, admin }),
    });
    const body = (await res.json()) as { token?: string; errors?: { message: string }[] };
    if (body.token) onSignIn(body.token);
    else setProblem(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  };

  return (
    <main className="sign-in">
      <h1>Sign in to Cells</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">Bearer token (a JWT the gateway accepts)</label>
        <textarea
          id="token"
          name="token"
          rows={5}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="eyJhbGciOi…"
          spellCheck={false}
          required
        />
        <p className="hint">
          Make one with <code>npm run token -- --project demo</code> (add <code>--admin</code> for every project).
        </p>
        <button type="submit">Sign in</button>
      </form>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {demo?.enabled && (
        <section aria-labelledby="demo-heading" className="demo">
          <h2 id="demo-heading">Development sign-in</h2>
          <p className="hint">
            This gateway uses the development secret, so it signs demo tokens itself (as <code>npm run token</code>{' '}
            does).
          </p>
          <div className="buttons">
            {demo.projects
              .filter((p) => p !== 'admin')
              .map((project) => (
                <button type="button" key={project} onClick={() => void demoSignIn(project, false)}>
                  Sign in as project {project}
                </button>
              ))}
            <button type="button" onClick={() => void demoSignIn('admin', true)}>
              Sign in as admin
            </button>
          </div>
        </section>
      )}
    </main>
  );
}
