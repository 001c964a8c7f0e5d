import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where `npm run build` writes the console (vite's outDir, see console/vite.config.ts). */
export const CONSOLE_BUILD_DIR = path.join('dist', 'console');

/**
 * The headers of every answer under /console/. The console is a single page that signs its own
 * calls to this origin: no inline script or style, nothing fetched from elsewhere, never framed
 * (clickjacking a delete button), and no Referer carrying a repository name to another site.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The built console of this installation: `dist/console` under the package root, found from this
 * file's place whether it runs compiled (dist/src/console) or from source (src/console).
 */
export function findConsoleDir(from: string = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const built = path.join(dir, CONSOLE_BUILD_DIR);
      return fs.existsSync(path.join(built, 'index.html')) ? built : undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export type ConsoleAnswer =
  | { kind: 'redirect'; location: string }
  | { kind: 'file'; file: string; immutable: boolean }
  | { kind: 'missing' };

/**
 * What a GET of `urlPath` (the path as sent, still percent-encoded) answers. Hashed assets are
 * served as they are and cached for good; a missing asset is a 404, not the page, so that a
 * stale page fails visibly. Any other path is a page of the app (a bookmark such as
 * /console/repositories/team%2Fapp/images/sha256:…): index.html, which routes it in the browser.
 */
export function resolveConsolePath(
  urlPath: string,
  exists: (file: string) => boolean,
): ConsoleAnswer {
  if (urlPath === '/console') return { kind: 'redirect', location: '/console/' };
  const rest = urlPath.slice('/console/'.length);
  const top = /^[A-Za-z0-9._-]+$/.test(rest) && !rest.startsWith('.') ? rest : undefined;
  if (rest.startsWith('assets/')) {
    const name = rest.slice('assets/'.length);
    // Vite's names only: no encoded characters, no dot segments, no subfolders.
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) return { kind: 'missing' };
    const file = `assets/${name}`;
    return exists(file) ? { kind: 'file', file, immutable: true } : { kind: 'missing' };
  }
  if (top !== undefined && top !== 'index.html' && exists(top)) {
    return { kind: 'file', file: top, immutable: false };
  }
  return { kind: 'file', file: 'index.html', immutable: false };
}
