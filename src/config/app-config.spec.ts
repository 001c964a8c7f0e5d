import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ConfigError, loadConfig } from './app-config';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      embeddedPgPort: 54329,
      registryId: '000000000000',
      region: 'us-east-1',
      publicUrl: 'http://localhost:5000',
      logLevel: 'info',
      databasePoolSize: 20,
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(path.resolve('data'));
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://berth:secret@db:5432/berth',
      DATA_DIR: '/var/lib/berth',
      EMBEDDED_PG_PORT: '6543',
      REGISTRY_ID: '123456789012',
      AWS_REGION: 'eu-west-1',
      PUBLIC_URL: 'https://registry.example.com',
      LOG_LEVEL: 'debug',
      DATABASE_POOL_SIZE: '5',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://berth:secret@db:5432/berth',
      dataDir: '/var/lib/berth',
      embeddedPgPort: 6543,
      registryId: '123456789012',
      region: 'eu-west-1',
      publicUrl: 'https://registry.example.com',
      logLevel: 'debug',
      databasePoolSize: 5,
    });
  });

  it("defaults the upload limits to ECR's 4,200 parts and 1,000 / 10,000 uploads in progress", () => {
    expect(loadConfig({})).toMatchObject({
      maxLayerParts: 4200,
      maxOpenUploadsPerRepository: 1000,
      maxOpenUploadsPerAccount: 10_000,
    });
  });

  it('reads the upload limits', () => {
    expect(
      loadConfig({
        MAX_LAYER_PARTS: '3',
        MAX_OPEN_UPLOADS_PER_REPOSITORY: '7',
        MAX_OPEN_UPLOADS_PER_ACCOUNT: '70',
      }),
    ).toMatchObject({
      maxLayerParts: 3,
      maxOpenUploadsPerRepository: 7,
      maxOpenUploadsPerAccount: 70,
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'some/dir' }).dataDir).toBe(path.resolve('some/dir'));
  });

  it('derives the default PUBLIC_URL from PORT', () => {
    expect(loadConfig({ PORT: '7000' }).publicUrl).toBe('http://localhost:7000');
  });

  it('strips trailing slashes from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'http://registry.local:5000/' }).publicUrl).toBe(
      'http://registry.local:5000',
    );
    expect(loadConfig({ PUBLIC_URL: 'https://registry.example.com//' }).publicUrl).toBe(
      'https://registry.example.com',
    );
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', PUBLIC_URL: '', LOG_LEVEL: '' });
    expect(config.port).toBe(5000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:5000');
    expect(config.logLevel).toBe('info');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['EMBEDDED_PG_PORT', '0'],
    ['EMBEDDED_PG_PORT', 'x'],
    ['REGISTRY_ID', '123'],
    ['REGISTRY_ID', '1234567890123'],
    ['AWS_REGION', 'moon'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://registry.example.com'],
    ['REGISTRY_HOST', 'registry.example.com'],
    ['REGISTRY_HOST', 'https://<account>.registry.example.com'],
    ['DATABASE_POOL_SIZE', '0'],
    ['MAX_LAYER_PARTS', '0'],
    ['MAX_LAYER_PARTS', '10001'],
    ['MAX_LAYER_PARTS', '4.5'],
    ['MAX_OPEN_UPLOADS_PER_REPOSITORY', '0'],
    ['MAX_OPEN_UPLOADS_PER_REPOSITORY', 'many'],
    ['MAX_OPEN_UPLOADS_PER_ACCOUNT', '-1'],
    ['MAX_OPEN_UPLOADS_PER_ACCOUNT', '1000001'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].startsWith(`${name}=${JSON.stringify(value)}: `)).toBe(true);
    expect(err.message).toContain(name);
  });

  describe('authentication variables', () => {
    it('reads MASTER_KEY as 32 bytes, from hex or base64', () => {
      const key = Buffer.from('a test key, 32 bytes, not a real');
      expect(loadConfig({ MASTER_KEY: key.toString('hex') }).masterKey).toEqual(key);
      expect(loadConfig({ MASTER_KEY: key.toString('base64') }).masterKey).toEqual(key);
      expect(loadConfig({}).masterKey).toBeUndefined();
    });

    it.each([
      ['MASTER_KEY', 'too-short'],
      ['MASTER_KEY', 'ab'.repeat(31)],
      ['ADMIN_TOKEN', 'short'],
      ['ADMIN_TOKEN', 'has a space in it, which is refused'],
      ['BOOTSTRAP_ACCOUNT_ID', '12345'],
      ['AUTH_CLOCK_SKEW', 'soon'],
    ])('refuses %s=%s, naming the variable', (name, value) => {
      expect(configError({ [name]: value }).problems[0]).toMatch(new RegExp(`^${name}=`));
    });

    it.each([
      ['ADMIN_TOKEN', 'change-me-to-a-long-random-admin-token'],
      ['ADMIN_TOKEN', 'CHANGE-ME-please-0000000000'],
      ['SIGNING_KEY', 'change-me-to-32-or-more-random-characters'],
      ['MASTER_KEY', 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='],
      ['MASTER_KEY', Buffer.from('0123456789abcdef0123456789abcdef').toString('hex')],
      ['MASTER_KEY', '00'.repeat(32)],
      ['BOOTSTRAP_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE'],
      ['BOOTSTRAP_ACCESS_KEY_ID', 'AKIAI44QH8DHBEXAMPLE'],
      ['BOOTSTRAP_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
      ['BOOTSTRAP_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'],
      ['BOOTSTRAP_SECRET_ACCESS_KEY', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'],
      ['DATABASE_URL', 'postgres://berth:berth@postgres:5432/berth'],
    ])('refuses the published %s %s, naming the variable and not the value', (name, value) => {
      const pair: Record<string, string> = name.startsWith('BOOTSTRAP_')
        ? {
            BOOTSTRAP_ACCESS_KEY_ID: 'AKIABERTHCONFIGTEST1',
            BOOTSTRAP_SECRET_ACCESS_KEY: 'berth-config-test-secret-000000000000000',
          }
        : {};
      const err = configError({ ...pair, [name]: value });
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toMatch(
        new RegExp(`^${name}\\b.*; generate one with scripts/make-secrets\\.sh$`),
      );
      expect(err.message).not.toContain(value);
    });

    it.each([
      ['ADMIN_TOKEN', 'aaaaaaaaaaaaaaaa', 'characters carry about 0 bits'],
      ['ADMIN_TOKEN', 'abababababababab', 'characters carry about 16 bits'],
      ['SIGNING_KEY', 'k'.repeat(32), 'characters carry about 0 bits'],
      ['SIGNING_KEY', `${'k'.repeat(40)}x`, 'characters carry about 6 bits'],
      ['MASTER_KEY', `${'ab'.repeat(31)}cd`, 'bytes carry about 6 bits'],
      ['MASTER_KEY', Buffer.alloc(32, 'z').toString('base64'), 'bytes carry about 0 bits'],
      ['BOOTSTRAP_SECRET_ACCESS_KEY', '0000000000000000000000000000000000000000', 'about 0 bits'],
    ])(
      'refuses a %s that is not random (%s), naming the variable and not the value',
      (name, value, says) => {
        const pair: Record<string, string> = name.startsWith('BOOTSTRAP_')
          ? { BOOTSTRAP_ACCESS_KEY_ID: 'AKIABERTHCONFIGTEST1' }
          : {};
        const err = configError({ ...pair, [name]: value });
        expect(err.problems).toHaveLength(1);
        expect(err.problems[0]).toMatch(
          new RegExp(
            `^${name}: its .*fewer than 32: not a random value; generate one with scripts/make-secrets\\.sh$`,
          ),
        );
        expect(err.problems[0]).toContain(says);
        expect(err.message).not.toContain(value);
      },
    );

    it('refuses every weak secret at once, and starts with what scripts/make-secrets.sh makes', () => {
      expect(
        configError({
          ADMIN_TOKEN: 'a'.repeat(16),
          SIGNING_KEY: 's'.repeat(32),
          MASTER_KEY: '00'.repeat(32),
        }).problems.map((p) => p.slice(0, p.indexOf(':'))),
      ).toEqual(['SIGNING_KEY', 'ADMIN_TOKEN', 'MASTER_KEY']);
      // openssl rand -hex 32, and -base64 30 for the secret access key.
      const hex = (): string => randomBytes(32).toString('hex');
      const config = loadConfig({
        ADMIN_TOKEN: hex(),
        SIGNING_KEY: hex(),
        MASTER_KEY: hex(),
        BOOTSTRAP_ACCESS_KEY_ID: 'AKIABERTHCONFIGTEST1',
        BOOTSTRAP_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
      });
      expect(config.masterKey).toHaveLength(32);
    });

    it('takes the first account from BOOTSTRAP_ACCOUNT_ID, or else REGISTRY_ID', () => {
      expect(loadConfig({}).bootstrap.accountId).toBe('000000000000');
      expect(loadConfig({ REGISTRY_ID: '123456789012' }).bootstrap.accountId).toBe('123456789012');
      expect(
        loadConfig({ REGISTRY_ID: '123456789012', BOOTSTRAP_ACCOUNT_ID: '210987654321' }).bootstrap
          .accountId,
      ).toBe('210987654321');
    });

    it('needs the bootstrap key id and secret together', () => {
      const pair = {
        BOOTSTRAP_ACCESS_KEY_ID: 'AKIABERTHCONFIGTEST1',
        BOOTSTRAP_SECRET_ACCESS_KEY: 'berth-config-test-secret-000000000000000',
      };
      expect(loadConfig(pair).bootstrap).toMatchObject({
        accessKeyId: pair.BOOTSTRAP_ACCESS_KEY_ID,
        secretAccessKey: pair.BOOTSTRAP_SECRET_ACCESS_KEY,
      });
      expect(
        configError({ BOOTSTRAP_ACCESS_KEY_ID: pair.BOOTSTRAP_ACCESS_KEY_ID }).message,
      ).toMatch(/must be set together/);
      expect(loadConfig({ AUTH_CLOCK_SKEW: '5m' }).clockSkewSeconds).toBe(300);
      expect(loadConfig({}).clockSkewSeconds).toBe(900);
    });
  });

  describe('garbage collection', () => {
    it('keeps unreferenced layers 24h and collects every hour by default', () => {
      expect(loadConfig({})).toMatchObject({
        layerGraceSeconds: 86_400,
        gcIntervalSeconds: 3600,
        killPoint: undefined,
      });
    });

    it('reads LAYER_GRACE (0 allowed), GC_INTERVAL and BERTH_KILL_POINT', () => {
      expect(
        loadConfig({ LAYER_GRACE: '0', GC_INTERVAL: '30s', BERTH_KILL_POINT: 'gc.blobs.deleted' }),
      ).toMatchObject({
        layerGraceSeconds: 0,
        gcIntervalSeconds: 30,
        killPoint: 'gc.blobs.deleted',
      });
    });

    it('reconciles daily by default, and reads GC_RECONCILE_INTERVAL', () => {
      expect(loadConfig({}).gcReconcileIntervalSeconds).toBe(86_400);
      expect(loadConfig({ GC_RECONCILE_INTERVAL: '6h' }).gcReconcileIntervalSeconds).toBe(21_600);
      expect(loadConfig({ BERTH_KILL_POINT: 'gc.reconcile.batched' }).killPoint).toBe(
        'gc.reconcile.batched',
      );
    });

    it.each([
      [{ GC_RECONCILE_INTERVAL: 'daily' }, 'GC_RECONCILE_INTERVAL'],
      [{ GC_RECONCILE_INTERVAL: '0' }, 'GC_RECONCILE_INTERVAL'],
      [{ LAYER_GRACE: '1w' }, 'LAYER_GRACE'],
      [{ GC_INTERVAL: 'often' }, 'GC_INTERVAL'],
      [{ GC_INTERVAL: '0' }, 'GC_INTERVAL'],
      [{ BERTH_KILL_POINT: 'somewhere' }, 'BERTH_KILL_POINT'],
    ])('refuses %j, naming %s', (env, name) => {
      expect(configError(env).message).toContain(name);
    });
  });

  describe('lifecycle policies', () => {
    it('evaluates the policies that are due every hour by default, and reads LIFECYCLE_INTERVAL', () => {
      expect(loadConfig({}).lifecycleIntervalSeconds).toBe(3600);
      expect(loadConfig({ LIFECYCLE_INTERVAL: '10m' }).lifecycleIntervalSeconds).toBe(600);
    });

    it.each([[{ LIFECYCLE_INTERVAL: 'daily' }], [{ LIFECYCLE_INTERVAL: '0' }]])(
      'refuses %j, naming LIFECYCLE_INTERVAL',
      (env) => {
        expect(configError(env).message).toContain('LIFECYCLE_INTERVAL');
      },
    );
  });

  it('reports every bad variable at once', () => {
    const err = configError({ PORT: 'abc', LOG_LEVEL: 'loud', REGISTRY_ID: '1' });
    expect(err.problems.map((p) => p.split('=')[0]).sort()).toEqual([
      'LOG_LEVEL',
      'PORT',
      'REGISTRY_ID',
    ]);
  });
});
