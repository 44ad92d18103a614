import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, ok, setCsrfToken, setUnauthorizedHandler } from './api/client';
import type { paths } from './api/schema';

type SessionAnswer = paths['/v1/session']['get']['responses'][200]['content']['application/json'];
export type SessionUser = SessionAnswer['user'];

interface Session {
  user: SessionUser | null;
  loading: boolean;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  can(role: string): boolean;
}

const SessionContext = createContext<Session | null>(null);
const SESSION_KEY = ['session'];

async function currentSession(): Promise<SessionAnswer | null> {
  try {
    return await ok(api.GET('/v1/session'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: SESSION_KEY, queryFn: currentSession, staleTime: Infinity, retry: false });
  const answer = session.data ?? null;
  setCsrfToken(answer?.csrfToken ?? null);

  useEffect(() => {
    // Any 401 means the session ended (expired, signed out elsewhere): back to the sign-in form.
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      queryClient.setQueryData(SESSION_KEY, null);
    });
  }, [queryClient]);

  const signIn = useMutation({
    mutationFn: (body: { login: string; password: string }) => ok(api.POST('/v1/session', { body })),
    onSuccess: (data) => {
      setCsrfToken(data.csrfToken);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      queryClient.setQueryData(SESSION_KEY, data);
    },
  });
  const signOut = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/session')),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
    },
  });

  const user = answer?.user ?? null;
  const value: Session = {
    user,
    loading: session.isPending,
    signIn: async (login, password) => {
      await signIn.mutateAsync({ login, password });
    },
    signOut: async () => {
      await signOut.mutateAsync().catch(() => undefined);
    },
    can: (role) => (user?.roles as readonly string[] | undefined)?.includes(role) ?? false,
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in user; only inside the signed-in part of the console. */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error('no user signed in');
  return user;
}
