/**
 * `rtv-ks create`: prepares a switch (inactive) so it can be flipped in one
 * step during an incident. The target type follows from the scope when not
 * given; the service validates the combination and names the wrong option.
 */
import type { KillSwitchScope } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { describeBlocked, targetLabel } from '../format/describe-switch';
import { resolveActor, scopeOption, targetTypeOption } from '../options';

interface CreateOptions {
  scope: string;
  targetType?: string;
  targetValue?: string;
  client?: string;
  platform?: string;
  by?: string;
  json?: boolean;
}

export function registerCreate(program: Command, ctx: CommandContext): void {
  program
    .command('create')
    .description('create a kill switch (inactive until activated)')
    .requiredOption('--scope <scope>', 'global, client, platform or action')
    .option('--target-type <type>', 'all, platform or action (default: all for global/client, else the scope)')
    .option('--target-value <value>', 'the platform or action; * for target type all (the default then)')
    .option('--client <clientId>', 'the client it applies to (omit for every client)')
    .option('--platform <platform>', 'narrows an action switch to one platform')
    .option('--by <actor>', 'who creates it (default: $RTV_ACTOR)')
    .option('--json', 'print the created switch as JSON')
    .action(async (options: CreateOptions) => {
      const createdBy = resolveActor(options.by, ctx.io.env);
      // An unknown scope is left to the service, whose message lists the allowed values and names the field.
      const known = (() => {
        try {
          return scopeOption(options.scope);
        } catch {
          return undefined;
        }
      })();
      const targetType =
        targetTypeOption(options.targetType) ??
        (known === 'platform' ? 'platform' : known === 'action' ? 'action' : 'all');
      const targetValue = options.targetValue ?? (targetType === 'all' ? '*' : '');
      await ctx.withConnection(async (connection) => {
        const created = await connection.service().create({
          // Unknown scopes pass through on purpose: the service's ValidationError names the field and the allowed values.
          scope: options.scope as KillSwitchScope,
          targetType,
          targetValue,
          clientId: options.client,
          platform: options.platform,
          createdBy,
        });
        if (options.json) {
          ctx.json(created);
          return;
        }
        ctx.out(`created ${created.id} (${created.scope}, ${targetLabel(created)}), inactive`);
        ctx.out(`  when active it blocks: ${describeBlocked(created)}`);
        ctx.out(`  activate it with: rtv-ks activate ${created.id} --reason "<why>" --by <you>`);
      });
    });
}
