import type { AdminPage } from '../../admin-api';
import { useAdmin } from '../../admin-context';
import { useCall, type CallState } from '../../use-call';

/** A GET of the admin API, run again by `reload`; a refused token ends the admin session. */
export function useAdminGet<T>(path: string): [CallState<T>, () => void] {
  const { call, signOut } = useAdmin();
  return useCall(() => call<T>('GET', path), [path], signOut);
}

/** Every page of an admin list, up to `max` items. */
export async function allPages<T>(
  get: (cursor?: string) => Promise<AdminPage<T>>,
  max = 10_000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await get(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return items;
}
