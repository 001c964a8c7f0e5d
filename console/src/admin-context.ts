import { createContext, useContext } from 'react';
import type { AdminCall } from './admin-api';

export interface AdminConsole {
  call: AdminCall;
  /** Forgets the admin token (sign-out, or a token refused, with why). */
  signOut: (reason?: unknown) => void;
}

export const AdminContext = createContext<AdminConsole | undefined>(undefined);

export function useAdmin(): AdminConsole {
  const value = useContext(AdminContext);
  if (!value) throw new Error('useAdmin outside a signed-in admin console');
  return value;
}
