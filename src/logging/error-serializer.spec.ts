import { Writable } from 'node:stream';
import { DatabaseError } from 'pg';
import { Logger as TypeOrmLogger, QueryFailedError } from 'typeorm';
import { ParameterFreeTypeOrmLogger } from '../database/typeorm-logger';
import { createRootLogger } from './logger';

/** A root logger whose lines are kept, as the service writes them. */
function capturedLogger(): { logger: ReturnType<typeof createRootLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createRootLogger('trace', sink), lines };
}

/** PostgreSQL's error as `pg` builds it from the server's fields. */
function pgError(message: string, fields: Partial<DatabaseError>): DatabaseError {
  return Object.assign(new DatabaseError(message, 0, 'error'), { severity: 'ERROR' }, fields);
}

const SEALED = 'v1.c2VhbGVkLXNlY3JldC1vZi10aGUta2V5';
const INSERT =
  'INSERT INTO access_keys (access_key_id, account_id, secret_sealed, description) VALUES ($1, $2, $3, $4)';

describe('the error serializer of the log', () => {
  it('writes a failed insert with its statement, and none of its parameters', () => {
    const { logger, lines } = capturedLogger();
    const driverError = pgError(
      'new row for relation "access_keys" violates check constraint "access_keys_description_check"',
      {
        code: '23514',
        table: 'access_keys',
        constraint: 'access_keys_description_check',
        detail: `Failing row contains (AKIAPROBE0000000001, 100000000001, ${SEALED}, probe-description).`,
        where: `SQL statement with ${SEALED}`,
      },
    );
    const params = ['AKIAPROBE0000000001', '100000000001', SEALED, 'probe-description'];
    logger.error({ err: new QueryFailedError(INSERT, params, driverError) }, 'unexpected failure');

    expect(lines).toHaveLength(1);
    for (const value of params) expect(lines[0]).not.toContain(value);
    const { err } = JSON.parse(lines[0]) as { err: Record<string, unknown> };
    expect(err).toMatchObject({
      type: 'QueryFailedError',
      query: INSERT,
      code: '23514',
      table: 'access_keys',
      constraint: 'access_keys_description_check',
      message:
        'new row for relation "access_keys" violates check constraint "access_keys_description_check"',
    });
    expect(Object.keys(err)).not.toEqual(expect.arrayContaining(['parameters']));
    expect(err).not.toHaveProperty('detail');
    expect(err.driverError).not.toHaveProperty('detail');
    expect(err.driverError).not.toHaveProperty('where');
  });

  it('takes the value PostgreSQL quotes out of the message and the stack', () => {
    const { logger, lines } = capturedLogger();
    const driverError = pgError('invalid input syntax for type bigint: "forged-1234"', {
      code: '22P02',
      routine: 'pg_strtoint64',
    });
    const nul = pgError('invalid byte sequence for encoding "UTF8": 0x00', { code: '22021' });
    logger.error({ err: new QueryFailedError('SELECT $1::bigint', ['forged-1234'], driverError) });
    logger.error({ err: new QueryFailedError('SELECT $1::text', ['a\u0000b'], nul) });

    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toContain('forged-1234');
    const first = (JSON.parse(lines[0]) as { err: { message: string; stack: string } }).err;
    expect(first.message).toBe('invalid input syntax for type bigint: "…"');
    expect(first.stack).toMatch(/^QueryFailedError: invalid input syntax for type bigint: "…"\n/);
    const second = (JSON.parse(lines[1]) as { err: { message: string } }).err;
    expect(second.message).toBe('invalid byte sequence for encoding "…": 0x…');
    expect(lines[1]).not.toContain('a\\u0000b');
  });

  it('leaves the message of any other error whole', () => {
    const { logger, lines } = capturedLogger();
    logger.error({ err: new Error('the file "blobs/ab" is missing') });
    expect((JSON.parse(lines[0]) as { err: { message: string } }).err.message).toBe(
      'the file "blobs/ab" is missing',
    );
  });
});

describe("TypeORM's logger", () => {
  it('writes statements and failures without their parameters', () => {
    const { logger, lines } = capturedLogger();
    // Called as TypeORM calls it: with the parameters.
    const typeorm: TypeOrmLogger = new ParameterFreeTypeOrmLogger(logger);
    const failure = pgError('duplicate key value violates unique constraint "access_keys_pkey"', {
      code: '23505',
    });
    typeorm.logQuery(INSERT, ['AKIAPROBE0000000001', SEALED]);
    typeorm.logQueryError(failure, INSERT, ['AKIAPROBE0000000001', SEALED]);
    typeorm.logQuerySlow(1500, INSERT, ['AKIAPROBE0000000001', SEALED]);

    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toContain('INSERT INTO access_keys');
      expect(line).not.toContain(SEALED);
      expect(line).not.toContain('AKIAPROBE0000000001');
    }
    expect(JSON.parse(lines[1])).toMatchObject({ code: '23505', msg: 'query failed' });
  });
});
