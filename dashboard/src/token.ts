/** The bearer token the dashboard's sign-in keeps, shared with GraphiQL (same origin). */
const KEY = 'cells.token';

export function storedToken(): string | null {
  return localStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
}

/** What the token says about its holder (read, not verified: the gateway verifies it). */
export interface TokenClaims {
  userId: string;
  projectId: string;
  roles: string[];
  expiresAt: Date | null;
}

export function readClaims(token: string): TokenClaims | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    return {
      userId: String(json.sub ?? ''),
      projectId: String(json.project_id ?? ''),
      roles: Array.isArray(json.roles) ? json.roles.map(String) : [],
      expiresAt: typeof json.exp === 'number' ? new Date(json.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}
