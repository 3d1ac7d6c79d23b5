/**
 * API tokens: created (by the CLI or an admin), shown once, stored as the
 * SHA-256 of their secret, with an expiry, revocable. A token reads
 * `rtvks_<id>_<secret>`: the id finds the row, the secret is compared in
 * constant time against its hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type AdminRole, type AdminTokenRow, type Database, adminRoles, adminTokens } from '@rtv/db';
import { ValidationError } from '@rtv/policy';
import { desc, eq } from 'drizzle-orm';
import { type Identity, actorFor } from './identity';
import { checkName, checkText } from './names';

export interface CreateTokenInput {
  /** A person's or a system's name: letters, digits and `.@+_-`, no spaces or colons. */
  name: string;
  role: AdminRole;
  clients?: readonly string[];
  /** May release alone through a bypass. @default false */
  breakGlass?: boolean;
  /** Lifetime in ms, 1 minute to 1 year. @default 90 days */
  ttlMs?: number;
  /** Who created it (recorded). */
  createdBy: string;
  now?: Date;
}

export interface TokenSummary {
  id: string;
  name: string;
  actor: string;
  role: AdminRole;
  clients: string[];
  breakGlass: boolean;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const TOKEN_PATTERN = /^rtvks_(tok_[A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export const newId = (prefix: string): string =>
  `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16)}`;

export const summarizeToken = (row: AdminTokenRow): TokenSummary => ({
  id: row.id,
  name: row.name,
  actor: actorFor(row.role, row.name),
  role: row.role,
  clients: row.clients,
  breakGlass: row.breakGlass,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
});

function checkTokenInput(input: CreateTokenInput): void {
  checkName('name', input.name);
  if (!adminRoles.includes(input.role)) {
    throw new ValidationError(`role must be one of ${adminRoles.join(', ')}`, [{ field: 'role', message: 'unknown' }]);
  }
  for (const [i, client] of (input.clients ?? []).entries()) checkText(`clients[${i}]`, client, 100);
  const ttl = input.ttlMs ?? 90 * DAY_MS;
  if (!Number.isSafeInteger(ttl) || ttl < 60_000 || ttl > 365 * DAY_MS) {
    throw new ValidationError('ttl must be between 1 minute and 1 year', [{ field: 'ttl', message: 'out of range' }]);
  }
}

/** Stores a new token and returns it with its secret: the only time the secret is seen. */
export async function createApiToken(
  db: Database,
  input: CreateTokenInput,
): Promise<{ token: string; summary: TokenSummary }> {
  checkTokenInput(input);
  const id = newId('tok');
  const secret = randomBytes(32).toString('base64url');
  const now = input.now ?? new Date();
  const [row] = await db
    .insert(adminTokens)
    .values({
      id,
      name: input.name,
      role: input.role,
      clients: [...(input.clients ?? [])],
      breakGlass: input.breakGlass ?? false,
      secretHash: sha256(secret),
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (input.ttlMs ?? 90 * DAY_MS)),
    })
    .returning();
  if (!row) throw new Error('token insert returned no row');
  return { token: `rtvks_${id}_${secret}`, summary: summarizeToken(row) };
}

export async function listApiTokens(db: Database): Promise<TokenSummary[]> {
  const rows = await db.select().from(adminTokens).orderBy(desc(adminTokens.createdAt));
  return rows.map(summarizeToken);
}

/** Revokes at once; returns false when no such token exists. */
export async function revokeApiToken(db: Database, id: string, now: Date = new Date()): Promise<boolean> {
  checkText('id', id, 36);
  const rows = await db.update(adminTokens).set({ revokedAt: now }).where(eq(adminTokens.id, id)).returning();
  return rows.length > 0;
}

/** The identity a presented token proves, or undefined (unknown, wrong secret, revoked or expired). */
export async function identityFromToken(db: Database, token: string, now: Date): Promise<Identity | undefined> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  const [row] = await db.select().from(adminTokens).where(eq(adminTokens.id, match[1]));
  if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= now.getTime()) return undefined;
  const presented = Buffer.from(sha256(match[2]), 'hex');
  if (!timingSafeEqual(presented, Buffer.from(row.secretHash, 'hex'))) return undefined;
  return {
    actor: actorFor(row.role, row.name),
    role: row.role,
    clients: row.clients,
    breakGlass: row.breakGlass,
    via: 'token',
    credentialId: row.id,
  };
}
