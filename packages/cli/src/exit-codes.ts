/**
 * The exit codes of `rtv-ks`, the contract scripts rely on. Values never
 * change meaning once published; new outcomes get new numbers.
 */
export const ExitCode = {
  /** The command did what was asked. */
  OK: 0,
  /** A bug or an error nobody planned for (printed with its stack). */
  UNEXPECTED: 1,
  /** Bad arguments or input: the message names the option or field. Nothing was changed. */
  USAGE: 2,
  /** No switch or incident with that id. */
  NOT_FOUND: 3,
  /** The actor may not do this (authorization refused). */
  FORBIDDEN: 4,
  /** PostgreSQL (or the kill-switch state) could not be reached; `health`: not usable. */
  UNAVAILABLE: 5,
  /** The change collides with existing state (e.g. a switch with that target exists). */
  CONFLICT: 6,
  /** `health`: usable but degraded (e.g. Redis down, snapshot aging). */
  DEGRADED: 7,
  /** The operator answered no at the confirmation prompt. Nothing was changed. */
  ABORTED: 8,
  /** `audit --verify`: the hash chain is broken (tampering or a lost record). */
  INTEGRITY: 9,
  /** A write's COMMIT got no answer and the state could not be read back: it may or may not be in effect. */
  OUTCOME_UNKNOWN: 10,
  /**
   * `--wait`, `drill`: the change is committed, but not every live instance confirmed it within
   * the timeout; the output names those that did not (lagging or lost).
   */
  PARTIAL: 11,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per code, for `--help` and the README. */
export const EXIT_CODE_HELP = `Exit codes:
  0  ok
  1  unexpected error (a bug: the stack is printed)
  2  usage or validation error (the message names the option or field)
  3  not found
  4  forbidden
  5  state unavailable: PostgreSQL unreachable, or health failed
  6  conflict (e.g. a switch with that target already exists)
  7  health degraded
  8  aborted at the confirmation prompt
  9  audit chain broken (audit --verify)
 10  outcome unknown: the write may or may not have committed (read the switch before retrying)
 11  partial: committed, but some live instances did not confirm within --timeout (named in the output)`;
