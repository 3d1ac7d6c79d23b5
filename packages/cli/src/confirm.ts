/**
 * The confirmation step of activate and deactivate: show what will change,
 * then ask. A script (stdin not a terminal) is never asked: it must say
 * `--yes`, so a forgotten flag refuses loudly instead of hanging on a prompt.
 */
import { createInterface } from 'node:readline/promises';
import type { CliIo } from './command-context';
import { NotConfirmedError } from './usage-error';

export interface ConfirmRequest {
  /** e.g. `activate ks_123`: used in the refusal messages. */
  operation: string;
  /** Lines shown before the question (what will be blocked, the reason). */
  summary: readonly string[];
  /** `--yes` was given. */
  yes: boolean;
}

/** Refuses before anything is read or written when confirmation is impossible. */
export function assertCanConfirm(io: CliIo, request: Pick<ConfirmRequest, 'operation' | 'yes'>): void {
  if (request.yes || io.stdin.isTTY) return;
  throw new NotConfirmedError(
    `refusing to ${request.operation} without confirmation: stdin is not a terminal, so nobody can answer the prompt. Re-run with --yes to confirm non-interactively.`,
    true,
  );
}

/** Resolves when confirmed; throws `NotConfirmedError` otherwise. Prompts go to stderr so stdout stays clean. */
export async function confirm(io: CliIo, request: ConfirmRequest): Promise<void> {
  assertCanConfirm(io, request);
  if (request.yes) return;
  for (const line of request.summary) io.stderr.write(`${line}\n`);
  // terminal: false: the terminal's own line editing suffices, and the prompt works on any readable stdin.
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: false });
  try {
    const answer = (await rl.question('Proceed? [y/N] ')).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return;
  } finally {
    rl.close();
  }
  throw new NotConfirmedError(`not confirmed: did not ${request.operation}. Nothing was changed.`, false);
}
