/** The signed-in key, kept in this tab's sessionStorage only: gone when the tab closes. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = 'berth.console.session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.accessKeyId === 'string' && typeof s.secretAccessKey === 'string') {
      return {
        accessKeyId: s.accessKeyId,
        secretAccessKey: s.secretAccessKey,
        region: s.region ?? 'us-east-1',
      };
    }
  } catch {
    // A damaged entry is no session.
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
