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

  /** Every blob once, whatever the number of repositories holding it, plus the manifests. */
  async storedBytes(): Promise<number> {
    const [row] = await this.dataSource.query<{ bytes: string }[]>(
      `SELECT (SELECT coalesce(sum(size), 0) FROM blobs)
              + (SELECT coalesce(sum(octet_length(manifest)), 0) FROM images) AS bytes`,
    );
    return Number(row.bytes);
  }
}
