import { type Database, killSwitchHistory, killSwitchState, killSwitches } from '@rtv/db';
import { type SQL, and, asc, desc, eq, gt, isNull, or } from 'drizzle-orm';
/**
 * The read side of the Postgres store: single switches, filtered lists,
 * history, and the active set with its version for the snapshot.
 */
import { StateUnavailableError } from '../../errors';
import type { SwitchListFilter, SwitchStore, SwitchTarget } from '../../ports';

type Queries = Pick<SwitchStore, 'get' | 'findByTarget' | 'list' | 'history' | 'loadActive' | 'readVersion'>;

const MISSING_STATE_ROW = 'kill_switch_state has no row: run migrate(db) first';

/** Conditions combine with and(): chaining .where() in drizzle would replace them. */
function listConditions(filter: SwitchListFilter): SQL[] {
  const conditions: SQL[] = [];
  const push = (condition: SQL | undefined) => {
    if (condition) conditions.push(condition);
  };
  if (filter.activeAt) {
    push(eq(killSwitches.isActive, true));
    push(or(isNull(killSwitches.expiresAt), gt(killSwitches.expiresAt, filter.activeAt)));
  }
  if (filter.scope) push(eq(killSwitches.scope, filter.scope));
  if (filter.clientId) push(eq(killSwitches.clientId, filter.clientId));
  if (filter.targetType) push(eq(killSwitches.targetType, filter.targetType));
  if (filter.platform) {
    push(
      or(
        and(eq(killSwitches.targetType, 'platform'), eq(killSwitches.targetValue, filter.platform)),
        eq(killSwitches.platform, filter.platform),
      ),
    );
  }
  return conditions;
}

const matchesNullable = (column: typeof killSwitches.clientId | typeof killSwitches.platform, value: string | null) =>
  value === null ? isNull(column) : eq(column, value);

export function createPostgresQueries(db: Database): Queries {
  return {
    async get(id) {
      const [row] = await db.select().from(killSwitches).where(eq(killSwitches.id, id));
      return row;
    },

    async findByTarget(target: SwitchTarget) {
      const [row] = await db
        .select()
        .from(killSwitches)
        .where(
          and(
            eq(killSwitches.scope, target.scope),
            eq(killSwitches.targetType, target.targetType),
            eq(killSwitches.targetValue, target.targetValue),
            matchesNullable(killSwitches.clientId, target.clientId),
            matchesNullable(killSwitches.platform, target.platform),
          ),
        );
      return row;
    },

    async list(filter = {}) {
      return db
        .select()
        .from(killSwitches)
        .where(and(...listConditions(filter)))
        .orderBy(desc(killSwitches.activatedAt), asc(killSwitches.id));
    },

    async history(id) {
      return db
        .select()
        .from(killSwitchHistory)
        .where(eq(killSwitchHistory.killSwitchId, id))
        .orderBy(asc(killSwitchHistory.seq));
    },

    /** One statement, so the rows and the version agree. */
    async loadActive() {
      const rows = await db
        .select({ version: killSwitchState.version, databaseId: killSwitchState.databaseId, switch: killSwitches })
        .from(killSwitchState)
        .leftJoin(killSwitches, eq(killSwitches.isActive, true))
        .where(eq(killSwitchState.id, 1));
      const first = rows[0];
      if (first === undefined) throw new StateUnavailableError(MISSING_STATE_ROW);
      const active = rows.flatMap((row) => (row.switch ? [row.switch] : []));
      return { version: first.version, databaseId: first.databaseId, active };
    },

    async readVersion() {
      const [row] = await db
        .select({ version: killSwitchState.version })
        .from(killSwitchState)
        .where(eq(killSwitchState.id, 1));
      if (!row) throw new StateUnavailableError(MISSING_STATE_ROW);
      return row.version;
    },
  };
}
