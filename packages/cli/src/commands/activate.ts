/**
 * `rtv-ks activate <id>`: the emergency stop. Needs a reason and an actor
 * for the audit trail, shows what will be blocked and asks (or takes --yes).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { formatTime } from '../format/time';
import { durationOption, resolveActor } from '../options';
import { type TransitionOptions, runTransition } from './switch-transition';

export function registerActivate(program: Command, ctx: CommandContext): void {
  program
    .command('activate')
    .description('activate a kill switch: block what it targets, fleet-wide')
    .argument('<id>', 'the switch id (see rtv-ks list)')
    .requiredOption('--reason <text>', 'why, for the audit trail (at least 10 characters)')
    .option('--by <actor>', 'who is acting (default: $RTV_ACTOR)')
    .option('--expires-in <duration>', 'stop blocking by itself after this long, e.g. 30m, 2h')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .option('--wait', 'return only when every live instance applied the change (exit 11 if some did not)')
    .option('--timeout <duration>', 'with --wait: how long to wait for the fleet, e.g. 10s (default 10s)')
    .action(async (id: string, options: TransitionOptions & { expiresIn?: string }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      const expiresInMs = durationOption('--expires-in', options.expiresIn);
      // Counted from the write, not from the prompt: an operator who reads before answering still gets the full hold.
      const expiresFromNow = () => (expiresInMs === undefined ? undefined : new Date(ctx.io.now() + expiresInMs));
      await runTransition(ctx, {
        verb: 'activate',
        id,
        actor,
        options,
        details: [
          `expires: ${expiresInMs === undefined ? 'never (until deactivated)' : formatTime(expiresFromNow(), ctx.io.now())}`,
        ],
        apply: (service) =>
          service.activate({ id, reason: options.reason, activatedBy: actor, expiresAt: expiresFromNow() }),
      });
    });
}
