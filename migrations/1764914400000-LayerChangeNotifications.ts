import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every statement that removes or changes layers of a repository, or deletes the repository,
 * notifies channel `berth_layer_changes` with the ids of the repositories it touched
 * (comma-separated; `*` when they do not fit in a notification). Instances cache what layer
 * checks found and forget a repository's entries when told. Triggers, not application code, send
 * it: no statement, from any code path or instance (garbage collection, a forced DeleteRepository
 * cascading to the layers, an operator's SQL), can remove a layer without saying so, and the
 * notification is delivered only once the change commits. Statement-level, so a collection of
 * thousands of layers is one notification per statement, not one per row.
 *
 * Additions (a completed layer, a pushed image) notify nothing: PostgreSQL serialises the commits
 * of all notifying transactions (a lock held through the commit's WAL flush), and pushes, which
 * complete layers and images concurrently on every instance, would queue behind each other. What
 * an addition makes stale elsewhere (an absent layer, a media type) is bounded by the cache's TTL
 * and costs a redundant upload at most; the instance that made it forgets at once.
 */
export class LayerChangeNotifications1764914400000 implements MigrationInterface {
  name = 'LayerChangeNotifications1764914400000';

  public async up(q: QueryRunner): Promise<void> {
    for (const [fn, column] of [
      ['berth_notify_layer_changes', 'repository_id'],
      ['berth_notify_repository_changes', 'id'],
    ]) {
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE ids text;
        BEGIN
          SELECT string_agg(DISTINCT ${column}::text, ',') INTO ids FROM changed;
          IF ids IS NOT NULL THEN
            PERFORM pg_notify('berth_layer_changes', CASE WHEN length(ids) > 7000 THEN '*' ELSE ids END);
          END IF;
          RETURN NULL;
        END $$`);
    }
    // A trigger with transition tables has one event.
    const triggers: [string, string, 'UPDATE' | 'DELETE', string][] = [
      ['layers_notify_update', 'layers', 'UPDATE', 'berth_notify_layer_changes'],
      ['layers_notify_delete', 'layers', 'DELETE', 'berth_notify_layer_changes'],
      ['repositories_notify_delete', 'repositories', 'DELETE', 'berth_notify_repository_changes'],
    ];
    for (const [name, table, event, fn] of triggers) {
      await q.query(
        `CREATE TRIGGER ${name} AFTER ${event} ON ${table}
           REFERENCING OLD TABLE AS changed
           FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [name, table] of [
      ['layers_notify_update', 'layers'],
      ['layers_notify_delete', 'layers'],
      ['repositories_notify_delete', 'repositories'],
    ]) {
      await q.query(`DROP TRIGGER ${name} ON ${table}`);
    }
    await q.query('DROP FUNCTION berth_notify_layer_changes()');
    await q.query('DROP FUNCTION berth_notify_repository_changes()');
  }
}
