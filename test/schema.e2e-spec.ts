import { DataSource } from 'typeorm';
import { createDataSource } from '../src/database/data-source';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * The entities describe the schema the migrations create, so that `npm run migration:generate`
 * on an unchanged schema finds nothing to do (rather than drafting drops of the constraints,
 * indices and checks it does not know about).
 */
describe('entities and migrations', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource(db.url, 2);
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('the schema generator finds no difference on the migrated schema', async () => {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('every table of the migrated schema has an entity', async () => {
    const rows = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1`,
      [dataSource.options.migrationsTableName],
    );
    const described = dataSource.entityMetadatas.map((m) => m.tableName).sort();
    expect(rows.map((r) => r.table_name).sort()).toEqual(described);
  });
});
