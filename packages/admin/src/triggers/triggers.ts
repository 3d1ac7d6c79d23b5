/**
 * Signed triggers: a URL and a secret that trip one switch. Created by an
 * admin (API or CLI), listed without their secrets, revocable.
 */
import { randomBytes } from 'node:crypto';
import { type AdminTriggerRow, type Database, adminTriggers, killSwitches } from '@rtv/db';
import { NotFoundError } from '@rtv/policy';
import { desc, eq } from 'drizzle-orm';
import { checkName, checkText } from '../identity/names';
import { newId } from '../identity/tokens';

export interface TriggerSummary {
  id: string;
  name: string;
  actor: string;
  switchId: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** The path to POST to, under the API's base URL. */
  path: string;
}

export const triggerActor = (name: string): string => `trigger:${name}`;

export const summarizeTrigger = (row: AdminTriggerRow): TriggerSummary => ({
  id: row.id,
  name: row.name,
  actor: triggerActor(row.name),
  switchId: row.switchId,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
  path: `/api/v1/hooks/${row.id}`,
});

export interface CreateTriggerInput {
  switchId: string;
  name: string;
  createdBy: string;
  now?: Date;
}

/** Returns the trigger with its secret: the only time the secret is shown. */
export async function createTrigger(
  db: Database,
  input: CreateTriggerInput,
): Promise<{ trigger: TriggerSummary; secret: string }> {
  checkName('name', input.name);
  checkText('switchId', input.switchId, 36);
  const [sw] = await db.select({ id: killSwitches.id }).from(killSwitches).where(eq(killSwitches.id, input.switchId));
  if (!sw) throw new NotFoundError(`Kill switch not found: ${input.switchId}`, input.switchId);
  const secret = randomBytes(32).toString('hex');
  const [row] = await db
    .insert(adminTriggers)
    .values({
      id: newId('trg'),
      name: input.name,
      switchId: input.switchId,
      secret,
      createdBy: input.createdBy,
      createdAt: input.now ?? new Date(),
    })
    .returning();
  if (!row) throw new Error('trigger insert returned no row');
  return { trigger: summarizeTrigger(row), secret };
}

export async function listTriggers(db: Database): Promise<TriggerSummary[]> {
  const rows = await db.select().from(adminTriggers).orderBy(desc(adminTriggers.createdAt));
  return rows.map(summarizeTrigger);
}

export async function revokeTrigger(db: Database, id: string, now: Date = new Date()): Promise<TriggerSummary> {
  checkText('id', id, 36);
  const [row] = await db.update(adminTriggers).set({ revokedAt: now }).where(eq(adminTriggers.id, id)).returning();
  if (!row) throw new NotFoundError(`Trigger not found: ${id}`, id);
  return summarizeTrigger(row);
}
