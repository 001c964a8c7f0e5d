import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The SQL of the keys' records: the master key's check value and the shared service secrets. */
@Injectable()
export class CryptoRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records `check` unless a check value is recorded already, and answers the recorded one: of
   * instances starting together, the first insert wins and everyone reads that one.
   */
  async recordMasterKeyCheck(check: Buffer): Promise<Buffer | undefined> {
    await this.dataSource.query(
      'INSERT INTO master_key_check (singleton, check_value) VALUES (true, $1) ON CONFLICT DO NOTHING',
      [check],
    );
    const rows = await this.dataSource.query<{ check_value: Buffer }[]>(
      'SELECT check_value FROM master_key_check WHERE singleton',
    );
    return rows[0]?.check_value;
  }

  /**
   * Stores `value` as the secret `name` unless one is stored already, and answers the stored
   * one: of instances starting together, the first insert wins and everyone reads that one.
   */
  async recordServiceSecret(name: string, value: Buffer): Promise<Buffer> {
    await this.dataSource.query(
      'INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [name, value],
    );
    const rows = await this.dataSource.query<{ value: Buffer }[]>(
      'SELECT value FROM service_secrets WHERE name = $1',
      [name],
    );
    return rows[0].value;
  }
}
