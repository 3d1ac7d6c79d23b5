/**
 * Times as an operator reads them in an incident: the exact instant (ISO,
 * UTC, to the second) and how long ago or ahead it is ("3m ago", "in 30m").
 * Durations typed on the command line ("30m", "24h", "1h30m") parse here too.
 */

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * "3m", "2h", "4d": the largest unit that keeps the number short. Past
 * durations round down ("3m ago" until 4m); future ones to the nearest
 * second, so a 30-minute hold set a moment ago reads "in 30m", not "in 29m".
 */
export function formatDuration(ms: number, roundToSecond = false): string {
  const abs = roundToSecond ? Math.round(Math.abs(ms) / 1000) * 1000 : Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  if (abs < 60_000) return `${Math.floor(abs / 1000)}s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)}m`;
  if (abs < 172_800_000) {
    const hours = Math.floor(abs / 3_600_000);
    const minutes = Math.floor((abs % 3_600_000) / 60_000);
    return minutes > 0 && hours < 10 ? `${hours}h${minutes}m` : `${hours}h`;
  }
  return `${Math.floor(abs / 86_400_000)}d`;
}

export function formatRelative(at: Date, now: number): string {
  const delta = at.getTime() - now;
  if (Math.abs(delta) < 1000) return 'just now';
  return delta < 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(delta, true)}`;
}

/** ISO to the second in UTC: milliseconds are noise to a person, and UTC is what logs use. */
export function formatInstant(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** "2026-01-02T10:00:00Z (3m ago)"; `empty` when there is no time. */
export function formatTime(at: Date | string | null | undefined, now: number, empty = '-'): string {
  if (at === null || at === undefined) return empty;
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return empty;
  return `${formatInstant(date)} (${formatRelative(date, now)})`;
}

/**
 * Parses "30m", "24h", "1h30m", "45s", "2d", "1w", "500ms". Returns
 * undefined when the text is not a positive duration, so the caller can name
 * its own option in the error.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    const [, amount, unit] = match;
    total += Number(amount) * (UNITS_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) && total > 0 ? Math.round(total) : undefined;
}
