/**
 * Hostile input on every route (fast-check): random bodies, ids, query
 * strings and credentials get typed 4xx answers, never a 5xx or a stack
 * trace, and write nothing (only refusals are recorded).
 */
import { adminTokens, adminTriggers, auditEvents, killSwitches, releaseRequests, switchBypasses } from '@rtv/db';
import { count, notInArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness } from './admin-harness';

let h: AdminHarness;
let admin: string;
let switchId: string;

const ROUTES: readonly [string, string][] = [
  ['POST', '/api/v1/switches'],
  ['POST', '/api/v1/switches/:id/activate'],
  ['POST', '/api/v1/switches/:id/deactivate'],
  ['POST', '/api/v1/switches/:id/bypass'],
  ['POST', '/api/v1/approvals/:id/approve'],
  ['POST', '/api/v1/approvals/:id/refuse'],
  ['POST', '/api/v1/triggers'],
  ['DELETE', '/api/v1/triggers/:id'],
  ['POST', '/api/v1/hooks/:id'],
  ['POST', '/api/v1/audit/verify'],
  ['GET', '/api/v1/switches'],
  ['GET', '/api/v1/switches/:id'],
  ['GET', '/api/v1/switches/:id/history'],
  ['GET', '/api/v1/audit'],
  ['GET', '/api/v1/incidents'],
  ['GET', '/api/v1/approvals'],
];

async function written(): Promise<number[]> {
  const db = h.database.db;
  const one = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
  return Promise.all([
    one(db.select({ n: count() }).from(killSwitches)),
    one(
      db
        .select({ n: count() })
        .from(auditEvents)
        .where(notInArray(auditEvents.type, ['ADMIN_ACCESS_DENIED', 'TRIGGER_REFUSED'])),
    ),
    one(db.select({ n: count() }).from(releaseRequests)),
    one(db.select({ n: count() }).from(switchBypasses)),
    one(db.select({ n: count() }).from(adminTriggers)),
    one(db.select({ n: count() }).from(adminTokens)),
  ]);
}

/** Hostile strings: NUL, lone surrogates, huge, path tricks, plus anything. */
const hostileString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.constantFrom('\u0000', '\ud800', '../../etc/passwd', "' OR 1=1 --", 'x'.repeat(5000), '%00', '__proto__'),
);
const hostileBody = fc.oneof(
  fc.anything(),
  fc.dictionary(
    fc.constantFrom('reason', 'reasonCode', 'scope', 'name', 'switchId', 'durationMs', 'actor'),
    fc.anything(),
  ),
  fc.record({ reason: hostileString, reasonCode: hostileString }),
);

/** Every byte percent-encoded: lone surrogates reach the server as the bytes Node would send. */
const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function expectTyped(status: number, text: string, where: string): void {
  expect(status, `${where}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
  if (status >= 400) expect(JSON.parse(text).error.code, where).toMatch(/^[A-Z_]+$/);
}

beforeAll(async () => {
  h = await startAdminHarness();
  admin = await h.token('alice@example.com', 'admin', { breakGlass: true });
  const sw = await h.call(admin, 'POST', '/api/v1/switches', {
    scope: 'action',
    targetType: 'action',
    targetValue: 'x',
  });
  switchId = sw.body.switch.id;
});
afterAll(async () => h?.close());

describe('hostile input', () => {
  it.each(ROUTES)('%s %s answers typed 4xx and writes nothing', async (method, route) => {
    const before = await written();
    await fc.assert(
      fc.asyncProperty(
        hostileBody,
        fc.oneof(fc.constant(switchId), hostileString),
        hostileString,
        async (body, id, q) => {
          const url = `${route.replace(':id', percentEncode(id))}?${new URLSearchParams({ limit: q, scope: q }).toString()}`;
          const payload = method === 'GET' || method === 'DELETE' ? undefined : (JSON.stringify(body) ?? 'null');
          const res = await h.app.inject({
            method: method as 'GET',
            url,
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            ...(payload === undefined ? {} : { payload }),
          });
          expectTyped(res.statusCode, res.body, `${method} ${url}`);
          if (method !== 'GET' && !route.endsWith('/verify')) expect(res.statusCode).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: 40 },
    );
    expect(await written()).toEqual(before);
  });

  it('answers hostile credentials and raw bodies with typed 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, fc.string(), async (token, raw) => {
        const res = await h.app.inject({
          method: 'POST',
          url: `/api/v1/switches/${switchId}/activate`,
          headers: { authorization: `Bearer ${token.replace(/[\r\n]/g, '')}`, 'content-type': 'application/json' },
          payload: raw,
        });
        expectTyped(res.statusCode, res.body, 'credential');
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 100 },
    );
  });
});
