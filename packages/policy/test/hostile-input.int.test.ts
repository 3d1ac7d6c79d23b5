/**
 * Hostile input, property-based (fast-check) on a real PostgreSQL: wrong
 * types, empty and 1 MB strings, unicode, SQL metacharacters, `__proto__`
 * and `constructor` keys. Every bad input gets a typed VALIDATION_ERROR
 * naming the field, nothing in the database changes, the process stays up.
 */
import { auditEvents, killSwitchHistory, killSwitches } from '@rtv/db';
import { count } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutoTripMonitor } from '../src/auto-trip/auto-trip-monitor';
import { type ValidationError, isValidationError } from '../src/errors';
import { ADMIN, type Harness, REASON, createHarness } from '../src/service/__tests__/harness';
import type { KillSwitch, KillSwitchService } from '../src/types';

const RUNS = 200;
let h: Harness;
let service: KillSwitchService;
let existing: KillSwitch;

beforeAll(async () => {
  h = await createHarness();
  service = h.service();
  await service.ready();
  // An active switch, so checks walk the index rather than the empty-index shortcut.
  existing = await service.create({
    scope: 'action',
    clientId: 'client_hostile',
    targetType: 'action',
    targetValue: 'publish',
    createdBy: ADMIN,
  });
  await service.activate({ id: existing.id, reason: REASON, activatedBy: ADMIN });
});
afterAll(async () => {
  await h?.close();
});

async function tableCounts() {
  const [switches] = await h.database.db.select({ n: count() }).from(killSwitches);
  const [history] = await h.database.db.select({ n: count() }).from(killSwitchHistory);
  const [audit] = await h.database.db.select({ n: count() }).from(auditEvents);
  return { switches: switches?.n, history: history?.n, audit: audit?.n };
}

/** Runs `property` over `arbitrary` and checks that no table gained or lost a row. */
async function changesNothing<T>(arbitrary: fc.Arbitrary<T>, property: (value: T) => Promise<void>): Promise<void> {
  // The fleet receipt of the last real write lands in the audit trail after the write: not this property's doing.
  await service.fleet.awaitReceipt();
  const before = await tableCounts();
  await fc.assert(fc.asyncProperty(arbitrary, property), { numRuns: RUNS });
  expect(await tableCounts()).toEqual(before);
  expect(({} as Record<string, unknown>).isActive).toBeUndefined(); // no prototype pollution
  // Still up and answering from the state the database holds.
  const row = await service.getById(existing.id);
  expect((await service.isTripped({ clientId: 'client_hostile', action: 'publish' })).tripped).toBe(row.isActive);
}

async function expectValidationError(run: () => unknown, field: string): Promise<void> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  if (!isValidationError(thrown)) throw new Error(`expected a ValidationError on ${field}, got ${String(thrown)}`);
  const error = thrown as ValidationError;
  expect(error.code).toBe('VALIDATION_ERROR');
  const fields = error.issues.map((i) => i.field);
  if (!fields.some((f) => f === field || f.startsWith(`${field}.`))) {
    throw new Error(`the error names ${JSON.stringify(fields)}, not ${field}: ${error.message}`);
  }
}

// ---- hostile values ------------------------------------------------------

const MB = 1 << 20;
const hugeStrings = fc.constantFrom('a'.repeat(MB), '€'.repeat(MB), "'".repeat(MB), '😀'.repeat(MB / 2));
const SQL = [
  "'; DROP TABLE kill_switches; --",
  "1' OR '1'='1",
  '$$; DELETE FROM audit_events; $$',
  '\\x00',
  '%_%',
  '"); TRUNCATE kill_switch_history; --',
];
const notAString = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0n, true, false),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.constantFrom(new Date(), () => 'x', Symbol('s'), JSON.parse('{"__proto__": {"isActive": true}}'), {
    constructor: 'x',
  }),
);
/** Characters outside the identifier rule [A-Za-z0-9_.:@/-]. */
const badChar = fc.constantFrom(
  ' ',
  "'",
  '"',
  ';',
  '%',
  '\\',
  '(',
  ')',
  '=',
  '$',
  '`',
  '\n',
  '\0',
  'é',
  '€',
  '😀',
  '—',
  '*',
);
const withBadChar = fc
  .tuple(fc.string({ maxLength: 20 }), badChar, fc.string({ unit: 'binary', maxLength: 20 }))
  .map(([a, b, c]) => a + b + c);
const invalidIdentifier = (max: number) =>
  fc.oneof(
    notAString,
    fc.constant(''),
    hugeStrings,
    withBadChar,
    fc.constantFrom(...SQL, '__proto__ x', 'constructor()'),
    fc.string({ minLength: max + 1, maxLength: max + 40 }).map((s) => s.padEnd(max + 1, 'x')),
  );
const controlChar = fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c));
const invalidActor = fc.oneof(
  notAString,
  fc.constantFrom('', '   ', '\t\n'),
  hugeStrings,
  fc.tuple(fc.string({ maxLength: 10 }), controlChar).map(([a, c]) => `user${a}${c}x`),
  fc.string({ minLength: 101, maxLength: 200 }).map((s) => `u${s.replace(/\s/g, 'x').padEnd(101, 'x')}`),
);
const invalidReason = fc.oneof(
  notAString,
  fc.constantFrom('', 'short', '         .  ', "'; --"),
  hugeStrings,
  fc
    .tuple(fc.string({ minLength: 10, maxLength: 40 }), fc.constantFrom('\0', '\u0007', '\u001b', '\u007f'))
    .map(([a, c]) => `${a}${c}`),
  fc.string({ minLength: 2001, maxLength: 2100 }).map((s) => `reason ${s.replace(/\s/g, 'x')}`),
);
const deep = (depth: number): Record<string, unknown> => (depth === 0 ? { leaf: 1 } : { nested: deep(depth - 1) });
const invalidMetadata = fc.oneof(
  fc.constantFrom(null, 'text', 42, true, [1, 2], new Date(), new Map()),
  fc.constantFrom(
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { constructor: { prototype: { polluted: true } } },
    { nested: JSON.parse('{"__proto__": 1}') },
    { prototype: 1 },
    { n: Number.NaN },
    { n: Number.POSITIVE_INFINITY },
    { f: () => 1 },
    { big: 1n },
    { when: new Date() },
    deep(25),
    { blob: 'x'.repeat(17 * 1024) },
    { blob: hugeStringValue() },
  ),
);
function hugeStringValue(): string {
  return 'm'.repeat(MB);
}
const unknownKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'isActive',
  'toString',
  "'; DROP TABLE x; --",
  '',
);
/** A non-object input in place of the whole argument. */
const notAnObject = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.string(),
  hugeStrings,
  fc.constant(true),
);

/** An input with one own key added: `__proto__` must be an own property (as JSON.parse makes it), not a prototype. */
function withExtraKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const input = { ...base };
  Object.defineProperty(input, key, { value, enumerable: true, configurable: true, writable: true });
  return input;
}

// ---- properties ----------------------------------------------------------

describe('create', () => {
  const base = {
    scope: 'action',
    clientId: 'client_new',
    targetType: 'action',
    targetValue: 'publish',
    platform: 'meta',
    createdBy: ADMIN,
  };
  const invalidField = fc.oneof(
    fc.record({
      field: fc.constant('scope'),
      value: fc.oneof(notAString, fc.constantFrom('', 'GLOBAL', ...SQL), hugeStrings),
    }),
    fc.record({
      field: fc.constant('targetType'),
      value: fc.oneof(notAString, fc.constantFrom('', 'ALL', '__proto__'), hugeStrings),
    }),
    fc.record({ field: fc.constant('targetValue'), value: invalidIdentifier(100) }),
    fc.record({ field: fc.constant('clientId'), value: invalidIdentifier(100) }),
    fc.record({ field: fc.constant('platform'), value: invalidIdentifier(50) }),
    fc.record({ field: fc.constant('createdBy'), value: invalidActor }),
    fc.record({ field: fc.constant('autoTripConfig'), value: fc.oneof(notAString, fc.constant({ enabled: 'yes' })) }),
  );

  it('refuses a bad field with a typed error naming it, and changes nothing', async () => {
    await changesNothing(invalidField, async ({ field, value }) => {
      await expectValidationError(() => service.create({ ...base, [field]: value } as never), field);
    });
  });

  it('refuses unknown keys (`__proto__`, `constructor`) and non-object input', async () => {
    await changesNothing(fc.tuple(unknownKey, fc.anything(), notAnObject), async ([key, value, whole]) => {
      await expectValidationError(() => service.create(withExtraKey(base, key, value) as never), 'input');
      await expectValidationError(() => service.create(whole as never), 'input');
    });
  });
});

describe('activate and deactivate', () => {
  const activateBase = () => ({ id: existing.id, reason: REASON, activatedBy: ADMIN });
  const deactivateBase = () => ({ id: existing.id, reason: REASON, deactivatedBy: ADMIN });
  const invalidId = fc.oneof(
    notAString,
    fc.constant(''),
    hugeStrings,
    fc.string({ minLength: 37, maxLength: 80 }).map((s) => `ks_${s.padEnd(37, 'x')}`),
  );

  it('activate refuses a bad field with a typed error naming it, and changes nothing', async () => {
    // The switch is inactive for this property, so a bad input that slipped through would change it.
    await service.deactivate(deactivateBase());
    const arbitrary = fc.oneof(
      fc.record({ field: fc.constant('id'), value: invalidId }),
      fc.record({ field: fc.constant('reason'), value: invalidReason }),
      fc.record({ field: fc.constant('activatedBy'), value: invalidActor }),
      fc.record({ field: fc.constant('incidentId'), value: invalidIdentifier(100) }),
      fc.record({ field: fc.constant('metadata'), value: invalidMetadata }),
      fc.record({
        field: fc.constant('expiresAt'),
        value: fc.oneof(notAString, fc.constantFrom('2099-01-01', new Date(0), new Date(Number.NaN))),
      }),
    );
    await changesNothing(arbitrary, async ({ field, value }) => {
      await expectValidationError(() => service.activate({ ...activateBase(), [field]: value } as never), field);
    });
    await changesNothing(fc.tuple(unknownKey, fc.anything(), notAnObject), async ([key, value, whole]) => {
      await expectValidationError(() => service.activate(withExtraKey(activateBase(), key, value) as never), 'input');
      await expectValidationError(() => service.activate(whole as never), 'input');
    });
    await service.activate(activateBase());
  });

  it('deactivate refuses a bad field with a typed error naming it, and changes nothing', async () => {
    const arbitrary = fc.oneof(
      fc.record({ field: fc.constant('id'), value: invalidId }),
      fc.record({ field: fc.constant('reason'), value: invalidReason }),
      fc.record({ field: fc.constant('deactivatedBy'), value: invalidActor }),
      fc.record({ field: fc.constant('metadata'), value: invalidMetadata }),
    );
    await changesNothing(arbitrary, async ({ field, value }) => {
      await expectValidationError(() => service.deactivate({ ...deactivateBase(), [field]: value } as never), field);
    });
    await changesNothing(fc.tuple(unknownKey, fc.anything(), notAnObject), async ([key, value, whole]) => {
      await expectValidationError(
        () => service.deactivate(withExtraKey(deactivateBase(), key, value) as never),
        'input',
      );
      await expectValidationError(() => service.deactivate(whole as never), 'input');
    });
  });
});

describe('isTripped', () => {
  const ctx = { clientId: 'client_hostile', action: 'publish', platform: 'meta' };

  it('refuses a context of the wrong shape with a typed error naming the field', async () => {
    const arbitrary = fc.oneof(
      fc.record({ field: fc.constant('action'), value: fc.oneof(notAString, fc.constant('')) }),
      fc.record({ field: fc.constant('clientId'), value: fc.oneof(notAString, fc.constant('')) }),
      fc.record({ field: fc.constant('platform'), value: notAString.filter((v) => v !== null) }),
    );
    await changesNothing(arbitrary, async ({ field, value }) => {
      await expectValidationError(() => service.isTripped({ ...ctx, [field]: value } as never), field);
    });
    await changesNothing(
      notAnObject.filter((v) => typeof v !== 'object' || v === null),
      async (whole) => {
        await expectValidationError(() => service.isTripped(whole as never), 'context');
      },
    );
  });

  it('answers any string coordinates (unicode, SQL, 1 MB, `__proto__`) without a match, and the real switch still blocks', async () => {
    const nasty = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1 }),
      hugeStrings,
      fc.constantFrom(...SQL, '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '*'),
    );
    const arbitrary = fc.record({ clientId: nasty, action: nasty, platform: fc.option(nasty, { nil: undefined }) });
    await changesNothing(arbitrary, async (context) => {
      const result = await service.isTripped(context);
      const blockedByExisting = context.clientId === 'client_hostile' && context.action === 'publish';
      expect(result.tripped).toBe(blockedByExisting);
      expect(result.reason?.includes('unavailable') ?? false).toBe(false);
    });
  });
});

describe('recordResult', () => {
  it('refuses a bad result with a typed error naming the field, counting nothing and tripping nothing', async () => {
    const monitor = createAutoTripMonitor({
      killSwitchService: service,
      config: {
        windowMs: 60_000,
        checkIntervalMs: 1_000,
        thresholds: { 'platform:meta': { errorRate: 0.01, minSamples: 1 } },
      },
    });
    const base = { target: 'platform:meta', clientId: 'client_hostile', success: false };
    const invalidTarget = fc.oneof(
      notAString,
      fc.constantFrom(
        '',
        'meta',
        'platform:',
        'action:',
        'global:meta',
        'platform:a:b',
        '__proto__',
        'constructor',
        ...SQL,
      ),
      hugeStrings,
      withBadChar.map((s) => `platform:${s}`),
      fc.string({ minLength: 51, maxLength: 80 }).map((s) => `action:${s.replace(/[^a-z]/gi, 'a').padEnd(51, 'a')}`),
    );
    const badNumber = fc.oneof(
      fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5', null, 1n, {}),
      fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
    );
    const arbitrary = fc.oneof(
      fc.record({ field: fc.constant('target'), value: invalidTarget }),
      fc.record({
        field: fc.constant('success'),
        // A boolean is a valid `success`: only non-booleans must be refused.
        value: fc.oneof(
          fc.constant(undefined),
          notAString.filter((v) => typeof v !== 'boolean'),
          fc.constantFrom('true', 0, 1),
        ),
      }),
      fc.record({
        field: fc.constant('clientId'),
        value: invalidIdentifier(100).filter((v) => !(typeof v === 'string' && /^[A-Za-z0-9_.:@/-]{1,100}$/.test(v))),
      }),
      fc.record({ field: fc.constant('timestamp'), value: badNumber }),
      fc.record({ field: fc.constant('latencyMs'), value: badNumber }),
      fc.record({ field: fc.constant('costCents'), value: badNumber }),
    );
    const before = monitor.counters();
    await changesNothing(arbitrary, async ({ field, value }) => {
      await expectValidationError(() => monitor.recordResult({ ...base, [field]: value } as never), field);
    });
    await changesNothing(
      notAnObject.filter((v) => typeof v !== 'object' || v === null),
      async (whole) => {
        await expectValidationError(() => monitor.recordResult(whole as never), 'result');
      },
    );
    await monitor.flush();
    expect(monitor.counters()).toEqual(before);
    expect(monitor.trackedKeys()).toBe(0);
    monitor.stop();
  });
});

describe('text PostgreSQL cannot store, dates past it, inputs that throw, denials', () => {
  /** NUL or an unpaired surrogate inside otherwise plain text (fc.string() is ASCII: nothing pairs by chance). */
  const unstorable = fc
    .tuple(
      fc.string({ maxLength: 10 }),
      fc.constantFrom('\0', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
      fc.string({ maxLength: 10 }),
    )
    .map(([a, bad, b]) => `${a}${bad}x${b}`);
  const activateBase = () => ({ id: existing.id, reason: REASON, activatedBy: ADMIN });

  it('refuses NUL and lone surrogates in ids, actors, reasons, metadata keys and values, naming the field', async () => {
    await service.deactivate({ id: existing.id, reason: REASON, deactivatedBy: ADMIN });
    const arbitrary = fc.oneof(
      fc.record({ field: fc.constant('id'), value: unstorable.map((s) => `ks_${s}`) }),
      fc.record({
        field: fc.constant('activatedBy'),
        value: unstorable.map((s) => `user ${s.replace('\0', '\uD800')}`),
      }),
      fc.record({ field: fc.constant('reason'), value: unstorable.map((s) => `a long enough reason ${s}`) }),
      fc.record({ field: fc.constant('metadata'), value: unstorable.map((s) => ({ note: s })) }),
      fc.record({ field: fc.constant('metadata'), value: unstorable.map((s) => ({ nested: { list: ['ok', s] } })) }),
      fc.record({ field: fc.constant('metadata'), value: unstorable.map((s) => withExtraKey({}, s, 1)) }),
    );
    await changesNothing(arbitrary, async ({ field, value }) => {
      await expectValidationError(() => service.activate({ ...activateBase(), [field]: value } as never), field);
      if (field !== 'activatedBy') {
        await expectValidationError(
          () => service.deactivate({ id: existing.id, reason: REASON, deactivatedBy: ADMIN, [field]: value } as never),
          field,
        );
      }
    });
    await changesNothing(unstorable, async (bad) => {
      await expectValidationError(
        () =>
          service.create({
            scope: 'global',
            targetType: 'all',
            targetValue: '*',
            createdBy: `ops ${bad.replace('\0', '\uDC00')}`,
          }),
        'createdBy',
      );
    });
    await service.activate(activateBase());
  });

  it('refuses an expiry past what PostgreSQL and ISO dates hold', async () => {
    await service.deactivate({ id: existing.id, reason: REASON, deactivatedBy: ADMIN });
    const farFuture = fc.integer({ min: 10_000, max: 275_000 }).map((year) => {
      const date = new Date(0);
      date.setUTCFullYear(year);
      return date;
    });
    await changesNothing(farFuture, async (expiresAt) => {
      await expectValidationError(() => service.activate({ ...activateBase(), expiresAt }), 'expiresAt');
    });
    await service.activate(activateBase());
  });

  it('turns getters and Proxy traps that throw into a ValidationError, never an escape', async () => {
    // Traps reading the input calls (a `has` trap is never asked: it cannot throw into a write).
    const throwing = fc.constantFrom('get', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf');
    await changesNothing(throwing, async (trap) => {
      const hostile = new Proxy(activateBase(), {
        [trap]() {
          throw new Error(`trap ${trap}`);
        },
      });
      await expectValidationError(() => service.activate(hostile as never), 'input');
      const getter = Object.defineProperty({ ...activateBase() }, 'reason', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      await expectValidationError(() => service.activate(getter as never), 'input');
      const metadata = new Proxy(
        { a: 1 },
        {
          [trap]() {
            throw new Error(`metadata ${trap}`);
          },
        },
      );
      await expectValidationError(() => service.activate({ ...activateBase(), metadata } as never), 'input');
    });
  });

  it('audits every denial, encoding what the audit cannot store', async () => {
    const guarded = h.service({ authorize: (request) => `no: ${request.actor} \0 \uD800 denied` });
    const before = await tableCounts();
    const error = await guarded.activate(activateBase()).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('FORBIDDEN');
    expect((error as Error).message).not.toContain('could not be audited');
    const after = await tableCounts();
    expect(Number(after.audit)).toBe(Number(before.audit) + 1);
    const [denial] = (await h.auditFor(existing.id)).filter((r) => r.type === 'KILL_SWITCH_ACCESS_DENIED').slice(-1);
    expect(denial?.metadata).toMatchObject({ why: `no: ${ADMIN} \\u{0000} \\u{d800} denied` });
    await guarded.close();
  });
});

it('the unmodified base inputs are accepted (so the refusals above are about the hostile field)', async () => {
  const sw = await service.create({
    scope: 'action',
    clientId: 'client_new',
    targetType: 'action',
    targetValue: 'publish',
    platform: 'meta',
    createdBy: ADMIN,
  });
  expect((await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN })).changed).toBe(true);
  expect((await service.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN })).changed).toBe(true);
});
