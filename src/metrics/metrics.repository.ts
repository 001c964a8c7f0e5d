import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The SQL behind the gauges read from the database (all instances' state, not this one's). */
@Injectable()
export class MetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async uploadsInProgress(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM uploads',
    );
    return row.n;
  }

  async uploadBytesInProgress(): Promise<number> {
    const [row] = await this.dataSource.query<{ bytes: string }[]>(
      'SELECT coalesce(sum(bytes_received), 0) AS bytes FROM uploads',
    );
    return Number(row.bytes);
  }
}
