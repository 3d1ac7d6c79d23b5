/**
 * `rtv-ks list`: every switch, active or not, with filters. Operators need
 * the ids of inactive switches to activate them; the service's
 * `listActive` shows only active ones, so this reads the table directly.
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
        const now = new Date(ctx.io.now());
        const rows = await connection.db.query.killSwitches.findMany({
          where: (t, { and, eq, or, gt, isNull }) =>
            and(
              scope ? eq(t.scope, scope) : undefined,
              options.client ? eq(t.clientId, options.client) : undefined,
              targetType ? eq(t.targetType, targetType) : undefined,
              options.platform
                ? or(
                    and(eq(t.targetType, 'platform'), eq(t.targetValue, options.platform)),
                    eq(t.platform, options.platform),
                  )
                : undefined,
              options.active ? and(eq(t.isActive, true), or(isNull(t.expiresAt), gt(t.expiresAt, now))) : undefined,
            ),
          orderBy: (t, { asc }) => [asc(t.createdAt), asc(t.id)],
        });
        if (options.json) {
          ctx.json(rows);
          return;
        }
        if (rows.length === 0) {
          ctx.out('No kill switches match.');
          return;
        }
        ctx.out(renderSwitchTable(rows, { now: now.getTime(), palette: ctx.palette, showState: true }));
        ctx.out();
        const active = rows.filter((row) => row.isActive).length;
        ctx.out(`${rows.length} switch${rows.length === 1 ? '' : 'es'}, ${active} active`);
      });
    });
}
