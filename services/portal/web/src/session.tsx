// Who is signed in. On load the refresh cookie (if any) restores the session, so a page reload
// does not sign the user out; the access token itself is never stored.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { api, refreshSession, setAccessToken, whenSignedOut } from './api.ts';
import type { SessionGrant, User } from './api.ts';

export interface UiConfig {
  lab: string;
  services: { intake: boolean; analysis: boolean; reporting: boolean };
}

interface Session {
  user: User | undefined;
  config: UiConfig | undefined;
  ready: boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  setUser(user: User): void;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | undefined>();
  const [config, setConfig] = useState<UiConfig | undefined>();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    whenSignedOut(() => setUser(undefined));
    void Promise.allSettled([
      api<UiConfig>('/v1/ui-config').then(setConfig),
      refreshSession().then((grant) => setUser(grant.user)),
    ]).then(() => setReady(true));
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const grant = await api<SessionGrant>('/v1/sessions', { body: { username, password } });
    setAccessToken(grant.accessToken);
    setUser(grant.user);
  }, []);

  const signOut = useCallback(async () => {
    await api('/v1/sessions/current', { method: 'DELETE' });
    setAccessToken(undefined);
    setUser(undefined);
    window.location.hash = '#/';
  }, []);

  const value = useMemo(
    () => ({ user, config, ready, signIn, signOut, setUser }),
    [user, config, ready, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession outside SessionProvider');
  return value;
}

export function hasRole(user: User | undefined, ...roles: string[]): boolean {
  return user !== undefined && user.roles.some((r) => roles.includes(r));
}
