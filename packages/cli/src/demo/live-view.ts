/**
 * The demo's live view: plain log lines a person can follow. Events
 * (operator actions, trips, checks of the story) as they happen, and once a
 * second one row of traffic per client and platform, summed over both
 * services: how many actions ran, failed at the platform, or were blocked.
 */
import type { Palette } from '../format/color';
import { DEMO_CLIENTS, DEMO_PLATFORMS, type Tallies, type Tally, tallyKey } from './traffic';

export interface LiveView {
  /** A heading for a part of the story. */
  chapter(title: string): void;
  /** Something that happened (an operator action, a trip). */
  event(text: string): void;
  /** A check of the story: passed or failed. */
  check(passed: boolean, text: string): void;
  /** One row of traffic since the previous row. */
  traffic(delta: Tallies): void;
  /** Free text (the audit trail at the end). */
  line(text: string): void;
}

const COLUMNS = DEMO_CLIENTS.flatMap((clientId) => DEMO_PLATFORMS.map((platform) => ({ clientId, platform })));
const CELL = 24;

function cell(tally: Tally, palette: Palette): string {
  const parts: string[] = [];
  const text: string[] = [];
  if (tally.ok > 0 || (tally.failed === 0 && tally.blocked === 0)) {
    parts.push(palette.green(`${tally.ok} ok`));
    text.push(`${tally.ok} ok`);
  }
  if (tally.failed > 0) {
    parts.push(palette.yellow(`${tally.failed} failed`));
    text.push(`${tally.failed} failed`);
  }
  if (tally.blocked > 0) {
    parts.push(palette.red(`${tally.blocked} BLOCKED`));
    text.push(`${tally.blocked} BLOCKED`);
  }
  // Padding is computed on the uncoloured text so colour codes do not shift the columns.
  return parts.join(' ') + ' '.repeat(Math.max(1, CELL - text.join(' ').length));
}

export function createLiveView(write: (line: string) => void, palette: Palette, now: () => number): LiveView {
  // The clock starts with the first chapter: start-up time (loading the database) is not part of the story.
  let started: number | undefined;
  const stamp = () => `${((now() - (started ?? now())) / 1000).toFixed(1).padStart(5)}s`;
  let headerDue = true;
  return {
    chapter(title) {
      started ??= now();
      write('');
      write(palette.bold(`── ${title}`));
      headerDue = true;
    },
    event(text) {
      write(`${stamp()}  ${palette.bold('▶')} ${text}`);
      headerDue = true;
    },
    check(passed, text) {
      write(`${stamp()}  ${passed ? palette.green('✓') : palette.red('✗ FAILED:')} ${text}`);
    },
    traffic(delta) {
      if (headerDue) {
        write(
          palette.dim(
            `${' '.repeat(8)}${COLUMNS.map(({ clientId, platform }) => `${clientId} ${platform}`.padEnd(CELL)).join('')}`.trimEnd(),
          ),
        );
        headerDue = false;
      }
      const cells = COLUMNS.map(
        ({ clientId, platform }) => delta[tallyKey(clientId, platform)] ?? { ok: 0, failed: 0, blocked: 0 },
      );
      write(
        `${stamp()}  ${cells
          .map((tally) => cell(tally, palette))
          .join('')
          .trimEnd()}`,
      );
    },
    line(text) {
      write(text);
    },
  };
}
