/**
 * CNCF distribution 2.8 (Debian's `docker-registry`), the registry Berth's /v2 door is measured
 * against, as the tests and the benchmark run it (tooling/: code both use, and the service does
 * not).
 */
import * as fs from 'node:fs';

/**
 * Writes distribution's config to `file`: filesystem storage under `dataDir`, no auth, deletes
 * enabled, redirects off, on 127.0.0.1:`port`, logging only errors with its access log off (so
 * that it pays no more for logging than Berth at LOG_LEVEL=warn).
 */
export function writeDistributionConfig(file: string, dataDir: string, port: number): void {
  fs.writeFileSync(
    file,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${dataDir}`,
      '  delete:',
      '    enabled: true',
      '  redirect:',
      '    disable: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
}
