// Runs carry a heartbeat: the process executing a run (or holding it in its queue) names itself in
// runner_instance and refreshes heartbeat_at while it works, so a server that starts next to it on
// the same database (several instances on one PostgreSQL, `gxpw run` beside `gxpw serve`) aborts
// only runs whose heartbeat went stale, never live ones. And the database refuses a run_steps row
// for a run that is not running: a finished run never gains steps, whatever a late runner tries.
import type { Migration, MigrationContext } from './migration.js';

export const runHeartbeats: Migration = {
  name: '0007-run-heartbeats',
  async up(context) {
    const { sequelize } = context;
    // Plain ALTER TABLE, as in 0002: addColumn qualifies the table with "public" on PostgreSQL.
    // Times are ISO-8601 UTC text, like every other time of a run. Runs from before this migration
    // have no heartbeat; recovery then judges them by their start (or queue) time.
    await sequelize.query('ALTER TABLE runs ADD COLUMN heartbeat_at VARCHAR(24) NULL');
    await sequelize.query('ALTER TABLE runs ADD COLUMN runner_instance VARCHAR(64) NULL');
    await refuseStepsUnlessRunning(context);
  },
  async down(context) {
    const { sequelize, dialect } = context;
    if (dialect === 'sqlite') {
      await sequelize.query('DROP TRIGGER IF EXISTS run_steps_refuse_insert');
    } else {
      await sequelize.query('DROP TRIGGER IF EXISTS run_steps_refuse_insert ON run_steps');
      await sequelize.query('DROP FUNCTION IF EXISTS gxpw_refuse_step_unless_running()');
    }
    await sequelize.query('ALTER TABLE runs DROP COLUMN runner_instance');
    await sequelize.query('ALTER TABLE runs DROP COLUMN heartbeat_at');
  },
};

/**
 * A step belongs to a run while it runs: an INSERT into run_steps for a run that is queued or
 * finished (passed, failed, error, aborted) is refused. On PostgreSQL the run's row is read FOR
 * SHARE, so the insert and a concurrent abort (which locks the row FOR UPDATE before it counts the
 * steps) are serialized: either the step commits first and is counted, or the abort commits first
 * and the step is refused. SQLite serializes write transactions anyway.
 */
async function refuseStepsUnlessRunning(context: MigrationContext): Promise<void> {
  const { sequelize, dialect } = context;
  if (dialect === 'sqlite') {
    await sequelize.query(
      'CREATE TRIGGER run_steps_refuse_insert BEFORE INSERT ON run_steps ' +
        "WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running' " +
        "BEGIN SELECT RAISE(ABORT, 'run_steps: INSERT refused: the run is not running (a finished run never changes)'); END",
    );
    return;
  }
  await sequelize.query(`
    CREATE OR REPLACE FUNCTION gxpw_refuse_step_unless_running() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      run_status text;
    BEGIN
      SELECT status INTO run_status FROM runs WHERE id = NEW.run_id FOR SHARE;
      IF run_status IS DISTINCT FROM 'running' THEN
        RAISE EXCEPTION 'run_steps: INSERT refused: run % is %, not running (a finished run never changes)', NEW.run_id, coalesce(run_status, 'missing') USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`);
  await sequelize.query('CREATE TRIGGER run_steps_refuse_insert BEFORE INSERT ON run_steps FOR EACH ROW EXECUTE FUNCTION gxpw_refuse_step_unless_running()');
}
