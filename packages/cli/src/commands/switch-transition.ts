/**
 * The shared flow of `activate` and `deactivate`: check the arguments, refuse
 * early when nobody can confirm, show the switch and what it blocks, ask,
 * write, then say what changed and the state version the fleet should reach.
 */
import type { KillSwitch, KillSwitchService, TransitionResult } from '@rtv/policy';
import type { CommandContext } from '../command-context';
import { assertCanConfirm, confirm } from '../confirm';
import { ExitCode } from '../exit-codes';
import { clientLabel, describeBlocked, targetLabel } from '../format/describe-switch';
import { receiptLines } from '../format/receipt-lines';
import { formatTime } from '../format/time';
import { waitTimeoutOption } from '../options';
import { loadedStateVersion } from '../snapshot-version';

export interface TransitionOptions {
  reason: string;
  by?: string;
  yes?: boolean;
  json?: boolean;
  /** Return only when every live instance confirmed (or --timeout passed: exit PARTIAL). */
  wait?: boolean;
  timeout?: string;
}

export interface TransitionPlan {
  verb: 'activate' | 'deactivate';
  id: string;
  actor: string;
  options: TransitionOptions;
  /** Extra lines for the confirmation summary (e.g. the expiry). */
  details: string[];
  apply(service: KillSwitchService): Promise<TransitionResult>;
}

function summary(plan: TransitionPlan, row: KillSwitch, now: number): string[] {
  const effect =
    plan.verb === 'activate' ? `This will BLOCK: ${describeBlocked(row)}` : `This will RESUME: ${describeBlocked(row)}`;
  const lines = [
    `About to ${plan.verb.toUpperCase()} ${row.id} (scope ${row.scope}, target ${targetLabel(row)}, client ${clientLabel(row)})`,
    `  ${effect}`,
    `  currently: ${row.isActive ? `active since ${formatTime(row.activatedAt, now)} by ${row.activatedBy ?? '?'}` : 'inactive'}`,
    `  reason: ${plan.options.reason}`,
    `  by: ${plan.actor}`,
    ...plan.details.map((line) => `  ${line}`),
  ];
  return lines;
}

export async function runTransition(ctx: CommandContext, plan: TransitionPlan): Promise<void> {
  // Before connecting: a script without --yes learns at once, having touched nothing.
  assertCanConfirm(ctx.io, { operation: `${plan.verb} ${plan.id}`, yes: plan.options.yes ?? false });
  const timeoutMs = waitTimeoutOption(plan.options);
  await ctx.withConnection(async (connection) => {
    const service = connection.service({ receiptTimeoutMs: timeoutMs });
    const row = await service.getById(plan.id);
    await confirm(ctx.io, {
      operation: `${plan.verb} ${plan.id}`,
      summary: summary(plan, row, ctx.io.now()),
      yes: plan.options.yes ?? false,
    });
    const result = await plan.apply(service);
    const stateVersion = await loadedStateVersion(service);
    // Awaited even without --wait: the receipt is recorded before the process exits, and shown.
    const receipt = result.changed ? await service.fleet.awaitReceipt() : undefined;
    if (plan.options.wait && receipt && !receipt.complete) ctx.exitCode = ExitCode.PARTIAL;
    if (plan.options.json) {
      ctx.json({ changed: result.changed, stateVersion, switch: result.switch, receipt });
      return;
    }
    const done = plan.verb === 'activate' ? 'ACTIVATED' : 'DEACTIVATED';
    if (!result.changed) {
      ctx.out(
        `${row.id} was already ${plan.verb === 'activate' ? 'active' : 'inactive'}: nothing changed (no history or audit record written)`,
      );
      return;
    }
    const now = ctx.io.now();
    ctx.out(`${done} ${row.id}`);
    ctx.out(
      plan.verb === 'activate'
        ? `  now blocking: ${describeBlocked(result.switch)}`
        : `  resumed: ${describeBlocked(result.switch)}`,
    );
    if (plan.verb === 'activate' && result.switch.expiresAt) {
      ctx.out(`  expires: ${formatTime(result.switch.expiresAt, now)}`);
    }
    ctx.out(`  state version ${stateVersion}`);
    if (receipt) {
      const verb = plan.verb === 'activate' ? 'stopped' : 'resumed';
      for (const line of receiptLines(receipt, verb, ctx.palette, ctx.io.now())) ctx.out(`  ${line}`);
      if (!plan.options.wait && !receipt.complete) ctx.out('  (see rtv-ks fleet; --wait makes this an exit code)');
    }
  });
}
