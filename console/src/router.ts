import { useEffect, useState } from 'react';

/**
 * The console's pages, one per URL under /console/ so every page is a bookmark. A repository
 * name holds slashes, so it is one percent-encoded segment (team%2Fapp).
 */
export type Route =
  | { page: 'repositories' }
  | { page: 'repository'; name: string }
  | { page: 'image'; name: string; digest: string }
  | { page: 'lifecycle'; name: string }
  | { page: 'admin-accounts' }
  | { page: 'admin-account'; accountId: string }
  | { page: 'admin-storage' }
  | { page: 'admin-gc' }
  | { page: 'not-found' };

export type AdminRoute = Extract<Route, { page: `admin-${string}` }>;

export function isAdminRoute(route: Route): route is AdminRoute {
  return route.page.startsWith('admin-');
}

const BASE = '/console';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  try {
    const decoded = parts.map(decodeURIComponent);
    if (decoded.length === 0) return { page: 'repositories' };
    if (decoded[0] === 'admin') return parseAdminRoute(decoded.slice(1));
    if (decoded[0] !== 'repositories') return { page: 'not-found' };
    if (decoded.length === 1) return { page: 'repositories' };
    if (decoded.length === 2) return { page: 'repository', name: decoded[1] };
    if (decoded.length === 3 && decoded[2] === 'lifecycle-policy') {
      return { page: 'lifecycle', name: decoded[1] };
    }
    if (decoded.length === 4 && decoded[2] === 'images') {
      return { page: 'image', name: decoded[1], digest: decoded[3] };
    }
  } catch {
    // A malformed escape is no page.
  }
  return { page: 'not-found' };
}

function parseAdminRoute(parts: string[]): Route {
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'accounts')) {
    return { page: 'admin-accounts' };
  }
  if (parts.length === 2 && parts[0] === 'accounts') {
    return { page: 'admin-account', accountId: parts[1] };
  }
  if (parts.length === 1 && parts[0] === 'storage') return { page: 'admin-storage' };
  if (parts.length === 1 && parts[0] === 'garbage-collection') return { page: 'admin-gc' };
  return { page: 'not-found' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'repositories':
    case 'not-found':
      return `${BASE}/`;
    case 'repository':
      return `${BASE}/repositories/${encodeURIComponent(route.name)}`;
    case 'image':
      return `${BASE}/repositories/${encodeURIComponent(route.name)}/images/${encodeURIComponent(route.digest).replace('%3A', ':')}`;
    case 'lifecycle':
      return `${BASE}/repositories/${encodeURIComponent(route.name)}/lifecycle-policy`;
    case 'admin-accounts':
      return `${BASE}/admin/accounts`;
    case 'admin-account':
      return `${BASE}/admin/accounts/${encodeURIComponent(route.accountId)}`;
    case 'admin-storage':
      return `${BASE}/admin/storage`;
    case 'admin-gc':
      return `${BASE}/admin/garbage-collection`;
  }
}

const listeners = new Set<() => void>();

export function navigate(href: string): void {
  window.history.pushState(null, '', href);
  window.scrollTo(0, 0);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
