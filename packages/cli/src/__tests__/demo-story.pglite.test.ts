/**
 * The demo's story on the embedded stage with a short timeline: it must
 * hold (every check passes), and its checks must be able to fail: a stage
 * whose operator never really blocks anything is caught.
 */
import type { KillSwitchService } from '@rtv/policy';
import { describe, expect, it } from 'vitest';
import { type LiveView, createLiveView } from '../demo/live-view';
import { openEmbeddedStage } from '../demo/stage';
import { type StoryTimeline, runStory } from '../demo/story';
import { plain } from '../format/color';

const SHORT: StoryTimeline = { phaseMs: 500, settleMs: 150, rowMs: 250, tripTimeoutMs: 8000 };

function recordingView(): { view: LiveView; lines: string[] } {
  const lines: string[] = [];
  return { view: createLiveView((line) => lines.push(line), plain, Date.now), lines };
}

describe('demo story', () => {
  it('tells the whole story on the embedded default, and every check holds', async () => {
    const trips: string[] = [];
    const stage = await openEmbeddedStage({
      onTrip: (trip) => trips.push(`${trip.target} ${trip.clientId}`),
      onError: () => {},
    });
    const { view, lines } = recordingView();
    const result = await runStory(stage, view, SHORT).finally(() => stage.close());
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(trips).toContain('platform:meta client_a');
    expect(lines.some((line) => line.includes('audit chain verified'))).toBe(true);
    // The receipt of each change: both services (the operator's console is not an instance) confirmed.
    expect(lines.some((line) => /receipt: tiktok stopped on 2\/2 instances in \d+ ms/.test(line))).toBe(true);
    expect(lines.some((line) => /receipt: tiktok resumed on 2\/2 instances/.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('KILL_SWITCH_ACTIVATED') && line.includes('system:auto_trip'))).toBe(
      true,
    );
  }, 60_000);

  it('fails when the operator switch does not block', async () => {
    const stage = await openEmbeddedStage({ onTrip: () => {}, onError: () => {} });
    // An operator whose activations are recorded nowhere: the fleet keeps flowing, and the story must notice.
    const real = stage.operator;
    const fake: KillSwitchService = {
      ...real,
      activate: async (input) => ({ switch: await real.getById(input.id), changed: true }),
    };
    const { view } = recordingView();
    const result = await runStory({ ...stage, operator: fake }, view, { ...SHORT, tripTimeoutMs: 300 }).finally(() =>
      stage.close(),
    );
    expect(result.ok).toBe(false);
    expect(result.failures.some((failure) => failure.startsWith('client_a on tiktok is blocked'))).toBe(true);
    expect(result.failures.some((failure) => failure.startsWith('client_b on tiktok is blocked'))).toBe(true);
  }, 60_000);
});
