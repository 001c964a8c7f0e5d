import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONSOLE_HEADERS, findConsoleDir, resolveConsolePath } from './console-assets';

describe('resolveConsolePath', () => {
  const files = new Set(['index.html', 'favicon.svg', 'assets/index-AbC123.js']);
  const resolve = (p: string) => resolveConsolePath(p, (f) => files.has(f));

  it('redirects /console to /console/ so relative links resolve under it', () => {
    expect(resolve('/console')).toEqual({ kind: 'redirect', location: '/console/' });
  });

  it('serves the page at the root and for any deep link (bookmarks route in the browser)', () => {
    const page = { kind: 'file', file: 'index.html', immutable: false };
    expect(resolve('/console/')).toEqual(page);
    expect(resolve('/console/repositories/team%2Fapp/images/sha256:abc')).toEqual(page);
    expect(resolve('/console/index.html')).toEqual(page);
  });

  it('serves hashed assets as immutable, and a missing one as missing, not as the page', () => {
    expect(resolve('/console/assets/index-AbC123.js')).toEqual({
      kind: 'file',
      file: 'assets/index-AbC123.js',
      immutable: true,
    });
    expect(resolve('/console/assets/index-old.js')).toEqual({ kind: 'missing' });
  });

  it('never resolves outside the build folder', () => {
    expect(resolve('/console/assets/..%2F..%2Fpackage.json')).toEqual({ kind: 'missing' });
    expect(resolve('/console/assets/../index.html')).toEqual({ kind: 'missing' });
    expect(resolve('/console/assets/.hidden')).toEqual({ kind: 'missing' });
    expect(resolve('/console/..%2Fpackage.json')).toEqual({
      kind: 'file',
      file: 'index.html',
      immutable: false,
    });
  });

  it('serves top-level files of the build (favicon)', () => {
    expect(resolve('/console/favicon.svg')).toEqual({
      kind: 'file',
      file: 'favicon.svg',
      immutable: false,
    });
  });
});

describe('findConsoleDir', () => {
  it('finds dist/console under the package root, and nothing when it is not built', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-console-'));
    try {
      fs.writeFileSync(path.join(root, 'package.json'), '{}');
      const from = path.join(root, 'dist', 'src', 'console');
      fs.mkdirSync(from, { recursive: true });
      expect(findConsoleDir(from)).toBeUndefined();
      fs.mkdirSync(path.join(root, 'dist', 'console'));
      fs.writeFileSync(path.join(root, 'dist', 'console', 'index.html'), '');
      expect(findConsoleDir(from)).toBe(path.join(root, 'dist', 'console'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CONSOLE_HEADERS', () => {
  it('forbid inline script, other origins and framing', () => {
    const csp = CONSOLE_HEADERS['Content-Security-Policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(CONSOLE_HEADERS['X-Frame-Options']).toBe('DENY');
    expect(CONSOLE_HEADERS['Referrer-Policy']).toBe('no-referrer');
  });
});
