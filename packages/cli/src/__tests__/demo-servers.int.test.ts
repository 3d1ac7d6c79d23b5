/**
 * The demo's story on the real servers, as `DATABASE_URL=... REDIS_URL=...
 * pnpm demo` runs it: each service a child process with its own service
 * instance, changes reaching them through Redis, tallies reported over IPC.
 */
import { type TestDatabase, createTestDatabase, testRedisUrl, uniqueKeyPrefix } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveView } from '../demo/live-view';
import { openServerStage } from '../demo/stage';
import { runStory } from '../demo/story';
import { plain } from '../format/color';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('postgres');
});
afterAll(async () => {
  await db?.close();
});

describe('demo on the real servers', () => {
  it('tells the story with the two services as child processes', async () => {
    const trips: string[] = [];
    const stage = await openServerStage(
      { ...process.env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), RTV_KEY_PREFIX: uniqueKeyPrefix() },
      { onTrip: (trip) => trips.push(`${trip.worker} ${trip.target} ${trip.clientId}`), onError: () => {} },
    );
    expect(stage.description).toContain('two child processes');
    const lines: string[] = [];
    const result = await runStory(
      stage,
      createLiveView((line) => lines.push(line), plain, Date.now),
      {
        phaseMs: 600,
        settleMs: 1300,
        rowMs: 300,
        tripTimeoutMs: 10_000,
      },
    ).finally(() => stage.close());
    expect(result.failures).toEqual([]);
    // The trip was reported by a child over IPC.
    expect(trips.some((trip) => trip.endsWith('platform:meta client_a'))).toBe(true);
    expect(lines.some((line) => line.includes('audit chain verified'))).toBe(true);
    expect(lines.some((line) => /receipt: tiktok stopped on 2\/2 instances in \d+ ms/.test(line))).toBe(true);
  }, 90_000);
});
