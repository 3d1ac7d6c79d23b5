/**
 * `rtv-ks status`: what is blocked right now. The first command of an
 * incident: active switches with scope, target, client, reason, who, since
 * and expiry, and the state version this reading came from.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { renderSwitchTable } from '../format/switch-table';
import { loadedStateVersion } from '../snapshot-version';

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description('show the active kill switches (what is blocked now)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const service = connection.service();
        const active = await service.listActive();
        const stateVersion = await loadedStateVersion(service);
        if (options.json) {
          ctx.json({ stateVersion, active });
          return;
        }
        const now = ctx.io.now();
        if (active.length === 0) {
          ctx.out(`No active kill switches: nothing is blocked. (state version ${stateVersion})`);
          return;
        }
        ctx.out(renderSwitchTable(active, { now, palette: ctx.palette, showState: false }));
        ctx.out();
        ctx.out(
          `${active.length} active switch${active.length === 1 ? '' : 'es'} · state version ${stateVersion} · ${connection.databaseLabel}`,
        );
      });
    });
}
