/**
 * Reads the active switches and the state version from PostgreSQL (or
 * PGlite) for the snapshot: one statement, so rows and version agree.
 */
import { type Database, killSwitchState, killSwitches } from '@rtv/db';
import { eq } from 'drizzle-orm';
import type { SnapshotSource } from '../../ports';

export function createPostgresSnapshotSource(db: Database): SnapshotSource {
  return {
    async load() {
      const rows = await db
        .select({ version: killSwitchState.version, switch: killSwitches })
        .from(killSwitchState)
        .leftJoin(killSwitches, eq(killSwitches.isActive, true))
        .where(eq(killSwitchState.id, 1));
      const version = rows[0]?.version;
      if (version === undefined) throw new Error('kill_switch_state has no row: run migrate(db)');
      const active = rows.flatMap((row) => (row.switch ? [row.switch] : []));
      return { version, active };
    },
    async readVersion() {
      const [row] = await db
        .select({ version: killSwitchState.version })
        .from(killSwitchState)
        .where(eq(killSwitchState.id, 1));
      if (!row) throw new Error('kill_switch_state has no row: run migrate(db)');
      return row.version;
    },
  };
}
