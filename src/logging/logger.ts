import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import pretty from 'pino-pretty';
import { LogLevel } from '../config/app-config';
import { serializeError } from './error-serializer';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * One JSON object per line on stdout (or `destination`), for log collectors; on a terminal
 * (`readable`, by default when stdout is a TTY and no destination is given) the same records as
 * readable lines instead. Secrets and bodies are never handed to it, and an error's values (a
 * failed statement's parameters) are dropped by its serializer.
 */
export function createRootLogger(
  level: LogLevel,
  destination?: pino.DestinationStream,
  readable: boolean = destination === undefined && process.stdout.isTTY === true,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'berth' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.authorization', '*.secretAccessKey', '*.password'], remove: true },
    serializers: { err: serializeError },
    hooks: {
      // Given an error and no message, pino makes the line's `msg` of the error's message itself,
      // before any serializer runs: it gets the serialized (value-free) message instead.
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (rest.length === 0 && first !== null && typeof first === 'object') {
          const err = first instanceof Error ? first : (first as { err?: unknown }).err;
          if (err instanceof Error) {
            const { message } = (serializeError(err) ?? {}) as { message?: unknown };
            return method.call(this, first, typeof message === 'string' ? message : 'error');
          }
        }
        return method.apply(this, args);
      },
    },
  };
  if (destination) return pino(options, destination);
  if (!readable) return pino(options);
  // In process and synchronous: the lines written before an exit are not lost.
  return pino(
    options,
    pretty({ sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' }),
  );
}

/**
 * Nest's start-up inventory (every module initialised, every route mapped, "starting",
 * "started"): useful when debugging routing, noise to a person starting Berth.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Routes Nest's own log calls into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && START_UP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, String(message));
    } else {
      this.logger.info({ context }, String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
