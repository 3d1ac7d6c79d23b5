/**
 * `rtv-ks list`: every switch, active or not, with filters. Operators need
 * the ids of inactive switches to activate them, so this uses the service's
 * `list` (not `listActive`); `--active` keeps those that block now.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { renderSwitchTable } from '../format/switch-table';
import { scopeOption, targetTypeOption } from '../options';

interface ListOptions {
  scope?: string;
  client?: string;
  targetType?: string;
  platform?: string;
  active?: boolean;
  json?: boolean;
}

export function registerList(program: Command, ctx: CommandContext): void {
  program
    .command('list')
    .description('list kill switches, active or not')
    .option('--scope <scope>', 'only this scope: global, client, platform or action')
    .option('--client <clientId>', 'only switches of this client')
    .option('--target-type <type>', 'only this target type: all, platform or action')
    .option('--platform <platform>', 'only switches about this platform')
    .option('--active', 'only switches that block now (active and not expired)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: ListOptions) => {
      const scope = scopeOption(options.scope);
      const targetType = targetTypeOption(options.targetType);
      await ctx.withConnection(async (connection) => {
        const rows = await connection.service().list({
          ...(scope ? { scope } : {}),
          ...(options.client ? { clientId: options.client } : {}),
          ...(targetType ? { targetType } : {}),
          ...(options.platform ? { platform: options.platform } : {}),
          activeOnly: options.active === true,
        });
        const now = ctx.io.now();
        if (options.json) {
          ctx.json(rows);
          return;
        }
        if (rows.length === 0) {
          ctx.out('No kill switches match.');
          return;
        }
        ctx.out(renderSwitchTable(rows, { now, palette: ctx.palette, showState: true }));
        ctx.out();
        const active = rows.filter((row) => row.isActive).length;
        ctx.out(`${rows.length} switch${rows.length === 1 ? '' : 'es'}, ${active} active`);
      });
    });
}
