/**
 * `rtv-ks history <id>`: every transition of one switch, oldest first, as
 * the append-only history table holds it.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { clientLabel, targetLabel } from '../format/describe-switch';
import { receiptsOf, renderReceipts } from '../format/receipt-table';
import { renderTable } from '../format/table';
import { formatTime } from '../format/time';

const state = (value: boolean | null) => (value === null ? '-' : value ? 'active' : 'inactive');

export function registerHistory(program: Command, ctx: CommandContext): void {
  program
    .command('history')
    .description('show the history of one kill switch')
    .argument('<id>', 'the switch id')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const service = connection.service();
        const row = await service.getById(id);
        const history = await service.getHistory(id);
        const receipts = await receiptsOf(connection.db, id);
        if (options.json) {
          ctx.json({ switch: row, history, receipts: receipts.map((r) => ({ at: r.occurredAt, ...r.metadata })) });
          return;
        }
        const now = ctx.io.now();
        ctx.out(`${row.id}: ${row.scope}, ${targetLabel(row)}, client ${clientLabel(row)}`);
        ctx.out();
        ctx.out(
          renderTable(
            history,
            [
              { header: 'WHEN', value: (entry) => formatTime(entry.performedAt, now) },
              { header: 'ACTION', value: (entry) => entry.action },
              { header: 'STATE', value: (entry) => `${state(entry.previousState)} -> ${state(entry.newState)}` },
              { header: 'BY', value: (entry) => entry.performedBy, maxWidth: 32 },
              { header: 'REASON', value: (entry) => entry.reason ?? '-', maxWidth: 60 },
            ],
            ctx.palette.bold,
          ),
        );
        if (receipts.length === 0) return;
        ctx.out();
        ctx.out('Receipts (did every live instance apply it, and how fast):');
        ctx.out(renderReceipts(receipts, now, ctx.palette));
      });
    });
}
