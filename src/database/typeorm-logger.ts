import type { Logger as PinoLogger } from 'pino';
import type { Logger } from 'typeorm';

/**
 * TypeORM's logging, in Berth's JSON log: a statement's text, never its parameters (they hold
 * user input and sealed secrets). Set as the `logger` of every DataSource, so that no setting
 * of `logging` can bring back TypeORM's own loggers, which print parameters. Without a pino
 * logger (the migration CLI), it writes nothing.
 */
export class ParameterFreeTypeOrmLogger implements Logger {
  constructor(private readonly logger?: PinoLogger) {}

  logQuery(query: string): void {
    this.logger?.trace({ component: 'typeorm', query }, 'query');
  }

  /** The error itself reaches its caller, which decides whether it is a failure worth an error. */
  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    this.logger?.debug(
      { component: 'typeorm', query, code: typeof code === 'string' ? code : undefined },
      'query failed',
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.logger?.warn({ component: 'typeorm', query, durationMs: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger?.debug({ component: 'typeorm' }, message);
  }

  logMigration(message: string): void {
    this.logger?.info({ component: 'typeorm' }, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger?.warn({ component: 'typeorm' }, text);
    else this.logger?.debug({ component: 'typeorm' }, text);
  }
}
