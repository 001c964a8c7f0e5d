import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The one query of readiness: whether the database answers at all. */
@Injectable()
export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
