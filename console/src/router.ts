import { useEffect, useState } from 'react';

/**
 * The console's pages, one per URL under /console/ so every page is a bookmark. A repository
 * name holds slashes, so it is one percent-encoded segment (team%2Fapp).
 */
export type Route =
  | { page: 'repositories' }
  | { page: 'repository'; name: string }
  | { page: 'image'; name: string; digest: string }
  | { page: 'not-found' };

const BASE = '/console';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  try {
    const decoded = parts.map(decodeURIComponent);
    if (decoded.length === 0) return { page: 'repositories' };
    if (decoded[0] !== 'repositories') return { page: 'not-found' };
    if (decoded.length === 1) return { page: 'repositories' };
    if (decoded.length === 2) return { page: 'repository', name: decoded[1] };
    if (decoded.length === 4 && decoded[2] === 'images') {
      return { page: 'image', name: decoded[1], digest: decoded[3] };
    }
  } catch {
    // A malformed escape is no page.
  }
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
