import { loadConfig } from '../config/app-config';
import { startupGreeting } from './greeting';

describe('startupGreeting', () => {
  const config = loadConfig({ DATA_DIR: '/srv/berth', PORT: '5000', HOST: '0.0.0.0' });

  it('says where Berth listens, where its data and credentials are, and what to try next', () => {
    const lines = startupGreeting(config, 'embedded', () => true);
    expect(lines[0]).toEqual({
      msg: 'Berth is serving the ECR API',
      fields: { url: 'http://localhost:5000', host: '0.0.0.0', port: 5000, database: 'embedded' },
    });
    expect(lines.map((l) => l.msg)).toEqual([
      'Berth is serving the ECR API',
      'data: /srv/berth (embedded PostgreSQL in /srv/berth/postgres, blobs in /srv/berth/blobs)',
      'credentials: /srv/berth/credentials (AWS format)',
      'admin API token: /srv/berth/admin.token',
      'try: AWS_SHARED_CREDENTIALS_FILE=/srv/berth/credentials aws ecr create-repository ' +
        '--repository-name hello --endpoint-url http://localhost:5000 --region us-east-1',
    ]);
  });

  it('names the key source when there is no credentials file', () => {
    const lines = startupGreeting(config, 'external', () => false).map((l) => l.msg);
    expect(lines).toContain('data: PostgreSQL at DATABASE_URL, blobs in /srv/berth/blobs');
    expect(lines).toContain(
      'credentials: access keys in the database; create one with the admin API',
    );
    expect(lines[lines.length - 1]).toBe(
      'try: aws ecr create-repository --repository-name hello --endpoint-url http://localhost:5000 --region us-east-1',
    );
  });
});
