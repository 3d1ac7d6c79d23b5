/**
 * Least privilege: the grants of the runtime role that services and the admin
 * server connect as. Migrations run as the owner role (which owns the tables
 * and so could drop their triggers); the runtime role may read, insert
 * history and audit rows and update live state, but never update, delete or
 * truncate history and audit, alter tables (so never disable a trigger), or
 * move the chain head except forward onto a record (the guard in 0005).
 */
import { sql } from 'drizzle-orm';
import type { Database } from './database';

/** Tables whose rows are never changed once written. */
export const APPEND_ONLY_TABLES = [
  'kill_switch_history',
  'audit_events',
  'incident_events',
  'audit_checkpoints',
] as const;

/** Tables the runtime role may delete from: bookkeeping that expires, never a record. */
export const RUNTIME_DELETABLE_TABLES = ['trigger_nonces'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A role name safe to splice into GRANT (identifiers cannot be bound as parameters). */
export function checkRoleName(role: string): string {
  if (!ROLE_NAME.test(role)) {
    throw new Error(`role name ${JSON.stringify(role)} must be lower-case letters, digits and _ (at most 63)`);
  }
  return role;
}

/**
 * The statements that grant `role` the runtime privileges on every table the
 * migrations made. Run them as the owner after each migration (new tables
 * need their grants): `rtv-ks migrate --runtime-role <role>` does.
 */
export function runtimeGrantStatements(role: string): string[] {
  const r = `"${checkRoleName(role)}"`;
  return [
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r}`,
    `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    `REVOKE UPDATE ON ${APPEND_ONLY_TABLES.join(', ')} FROM ${r}`,
    // The head's single row is seeded by the migration; it is only ever moved (forward, by the guard).
    `REVOKE INSERT ON audit_chain_head FROM ${r}`,
    `GRANT DELETE ON ${RUNTIME_DELETABLE_TABLES.join(', ')} TO ${r}`,
  ];
}

/** Grants the runtime privileges to an existing role, in one transaction. */
export async function grantRuntimeRole(db: Database, role: string): Promise<void> {
  const statements = runtimeGrantStatements(role);
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement));
  });
}
