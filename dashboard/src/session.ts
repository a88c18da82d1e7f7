import { createContext, useContext } from 'react';
import type { TokenClaims } from './token';

/** Who is signed in, and how to sign out; every page below the sign-in reads it. */
export interface Session {
  token: string;
  claims: TokenClaims;
  isAdmin: boolean;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}
