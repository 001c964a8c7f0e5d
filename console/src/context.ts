import type { ECRClient } from '@aws-sdk/client-ecr';
import { createContext, useContext } from 'react';
import type { Session } from './session';

export interface Console {
  session: Session;
  ecr: ECRClient;
  /** Ends the session (sign-out, or a key that no longer signs in, with why). */
  signOut: (reason?: unknown) => void;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside a signed-in console');
  return value;
}
