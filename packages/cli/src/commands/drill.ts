/**
 * `rtv-ks drill`: a real stop on a switch that blocks only the reserved
 * drill action (never real traffic). Activates it, waits for every instance,
 * releases it, and records the measured time-to-halt in the audit trail.
 */
import { DRILL_ACTION } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { receiptLines } from '../format/receipt-lines';
import { durationOption, resolveActor } from '../options';
import { UsageError } from '../usage-error';

export function registerDrill(program: Command, ctx: CommandContext): void {
  program
    .command('drill')
    .description(
      `rehearse a stop: block only the reserved action ${DRILL_ACTION} fleet-wide, measure time-to-halt, release`,
    )
    .option('--by <actor>', 'who runs the drill (default: $RTV_ACTOR)')
    .option('--timeout <duration>', 'how long to wait for every instance at each step (default 10s)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { by?: string; timeout?: string; json?: boolean }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      const timeoutMs = durationOption('--timeout', options.timeout) ?? 10_000;
      if (timeoutMs > 3_600_000) throw new UsageError('--timeout must be at most 1h', '--timeout');
      await ctx.withConnection(async (connection) => {
        const service = connection.service({ receiptTimeoutMs: timeoutMs });
        const result = await service.fleet.drill({ actor, timeoutMs });
        if (!result.complete) ctx.exitCode = ExitCode.PARTIAL;
        if (options.json) {
          ctx.json(result);
          return;
        }
        const now = ctx.io.now();
        ctx.out(`drill ${result.drillId} on ${result.switchId} (blocks only ${DRILL_ACTION})`);
        for (const line of receiptLines(result.halt, 'halted', ctx.palette, now)) ctx.out(`  ${line}`);
        for (const line of receiptLines(result.release, 'released', ctx.palette, now)) ctx.out(`  ${line}`);
        ctx.out(
          result.timeToHaltMs === null
            ? '  time-to-halt: not measured (not every instance confirmed); recorded in the audit trail'
            : `  time-to-halt ${result.timeToHaltMs} ms: recorded in the audit trail (KILL_SWITCH_DRILL)`,
        );
      });
    });
}
