/** The split canonical encoding the server hashes is byte for byte what `hashRecord` hashes. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pendingRecord } from '../chain-append-statement';
import { hashRecord } from '../hash-chain';

const hashLikeServer = (prefix: string, prevHash: string, seq: number, suffix: string) =>
  createHash('sha256').update(`${prefix}${prevHash}","seq":${seq}${suffix}`, 'utf8').digest('hex');

describe('pendingRecord', () => {
  it('splits the canonical encoding around prevHash and seq, whatever the values hold', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.string({ minLength: 1 }),
          actor: fc.string({ minLength: 1 }),
          target: fc.option(fc.string()),
          clientId: fc.option(fc.string()),
          metadata: fc.dictionary(fc.string(), fc.jsonValue()),
        }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.hexaString({ minLength: 64, maxLength: 64 }),
        (event, seq, prevHash) => {
          const valid = { ...event, metadata: JSON.parse(JSON.stringify(event.metadata)), occurredAt: new Date(0) };
          const pending = pendingRecord(valid, 'aud_fixed');
          const expected = hashRecord({ ...valid, id: 'aud_fixed', seq, prevHash });
          expect(hashLikeServer(pending.prefix, prevHash, seq, pending.suffix)).toBe(expected);
        },
      ),
    );
  });
});
