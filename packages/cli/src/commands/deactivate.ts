/**
 * `rtv-ks deactivate <id>`: recovery. Same safeguards as activate: a reason,
 * an actor, and a confirmation showing what resumes.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { restartOptions } from '../mode-options';
import { resolveActor } from '../options';
import { type TransitionOptions, runTransition } from './switch-transition';

export function registerDeactivate(program: Command, ctx: CommandContext): void {
  program
    .command('deactivate')
    .description('deactivate a kill switch: let what it targets run again')
    .argument('<id>', 'the switch id (see rtv-ks status)')
    .requiredOption('--reason <text>', 'why, for the audit trail (at least 10 characters)')
    .option('--by <actor>', 'who is acting (default: $RTV_ACTOR)')
    .option('--restart <steps>', 'release gradually: the shares let through at each step, e.g. 0.5,0.75,1')
    .option('--every <duration>', 'with --restart: how long each step lasts, e.g. 30s, 5m')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .option('--wait', 'return only when every live instance applied the change (exit 11 if some did not)')
    .option('--timeout <duration>', 'with --wait: how long to wait for the fleet, e.g. 10s (default 10s)')
    .action(async (id: string, options: TransitionOptions & { restart?: string; every?: string }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      const restart = restartOptions(options.restart, options.every);
      await runTransition(ctx, {
        verb: 'deactivate',
        id,
        actor,
        options,
        details: restart
          ? [
              `restart: ${restart.steps.map((s) => `${s * 100}%`).join(' -> ')}, a step every ${restart.everyMs / 1000}s`,
            ]
          : [],
        apply: (service) =>
          service.deactivate({ id, reason: options.reason, deactivatedBy: actor, ...(restart ? { restart } : {}) }),
      });
    });
}
