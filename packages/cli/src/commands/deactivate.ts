/**
 * `rtv-ks deactivate <id>`: recovery. Same safeguards as activate: a reason,
 * an actor, and a confirmation showing what resumes.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { resolveActor } from '../options';
import { type TransitionOptions, runTransition } from './switch-transition';

export function registerDeactivate(program: Command, ctx: CommandContext): void {
  program
    .command('deactivate')
    .description('deactivate a kill switch: let what it targets run again')
    .argument('<id>', 'the switch id (see rtv-ks status)')
    .requiredOption('--reason <text>', 'why, for the audit trail (at least 10 characters)')
    .option('--by <actor>', 'who is acting (default: $RTV_ACTOR)')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .option('--wait', 'return only when every live instance applied the change (exit 11 if some did not)')
    .option('--timeout <duration>', 'with --wait: how long to wait for the fleet, e.g. 10s (default 10s)')
    .action(async (id: string, options: TransitionOptions) => {
      const actor = resolveActor(options.by, ctx.io.env);
      await runTransition(ctx, {
        verb: 'deactivate',
        id,
        actor,
        options,
        details: [],
        apply: (service) => service.deactivate({ id, reason: options.reason, deactivatedBy: actor }),
      });
    });
}
