/**
 * `rtv-ks incidents`: incidents opened by auto-trips and operators.
 * `incidents` lists the unresolved ones (or --status / --all),
 * `incidents show <id>` the timeline, `incidents ack <id>` and
 * `incidents note <id> --notes` and `incidents resolve <id> --notes` move them on. Resolving does not
 * deactivate the switch: that stays an explicit `rtv-ks deactivate`.
 */
import type { Incident, IncidentStatus } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { renderTable } from '../format/table';
import { formatTime } from '../format/time';
import { limitOption, resolveActor } from '../options';
import { UsageError } from '../usage-error';

const STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'resolved'];

function statusFilter(status: string | undefined, all: boolean | undefined): IncidentStatus[] | undefined {
  if (all) return undefined;
  if (status === undefined) return ['open', 'acknowledged'];
  const wanted = status.split(',').map((part) => part.trim());
  for (const value of wanted) {
    if (!(STATUSES as readonly string[]).includes(value)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')} (got "${value}")`, '--status');
    }
  }
  return wanted as IncidentStatus[];
}

const rate = (value: number | null) => (value === null ? '-' : `${Math.round(value * 1000) / 10}%`);

function renderIncidents(ctx: CommandContext, rows: readonly Incident[]): string {
  const now = ctx.io.now();
  return renderTable(
    rows,
    [
      { header: 'ID', value: (row) => row.id },
      {
        header: 'STATUS',
        value: (row) =>
          row.status === 'open'
            ? ctx.palette.red(row.status)
            : row.status === 'acknowledged'
              ? ctx.palette.yellow(row.status)
              : row.status,
      },
      { header: 'SEVERITY', value: (row) => row.severity },
      { header: 'CLIENT', value: (row) => row.clientId ?? '(all clients)' },
      { header: 'SWITCH', value: (row) => row.killSwitchId ?? '-' },
      { header: 'ERROR RATE', value: (row) => rate(row.errorRate), alignRight: true },
      { header: 'STARTED', value: (row) => formatTime(row.startedAt, now) },
      { header: 'TITLE', value: (row) => row.title, maxWidth: 60 },
    ],
    ctx.palette.bold,
  );
}

interface ListOptions {
  status?: string;
  all?: boolean;
  client?: string;
  limit?: string;
  json?: boolean;
}

export function registerIncidents(program: Command, ctx: CommandContext): void {
  const incidents = program
    .command('incidents')
    .description('list incidents (unresolved by default); subcommands: show, ack, note, resolve')
    .option('--status <status>', 'only these statuses, comma-separated: open, acknowledged, resolved')
    .option('--all', 'every incident, resolved ones too')
    .option('--client <clientId>', 'only incidents of this client')
    .option('--limit <n>', 'at most this many, newest first (1-1000)', '50')
    .option('--json', 'print JSON for scripts')
    .action(async (options: ListOptions) => {
      const status = statusFilter(options.status, options.all);
      const limit = limitOption(options.limit, 50, 1000);
      await ctx.withConnection(async (connection) => {
        const rows = await connection.incidents().listIncidents({ status, clientId: options.client, limit });
        if (options.json) {
          ctx.json(rows);
          return;
        }
        if (rows.length === 0) {
          ctx.out(options.all || options.status ? 'No incidents match.' : 'No unresolved incidents.');
          return;
        }
        ctx.out(renderIncidents(ctx, rows));
      });
    });

  incidents
    .command('show')
    .description('show one incident with its timeline')
    .argument('<id>', 'the incident id')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, _options: { json?: boolean }, command: Command) => {
      // The parent `incidents` also takes --json and commander gives it the flag: read both levels.
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      await ctx.withConnection(async (connection) => {
        const incident = await connection.incidents().getIncident(id);
        if (json) {
          ctx.json(incident);
          return;
        }
        const now = ctx.io.now();
        ctx.out(renderIncidents(ctx, [incident]));
        ctx.out();
        ctx.out(
          renderTable(
            incident.timeline,
            [
              { header: 'WHEN', value: (event) => formatTime(event.occurredAt, now) },
              { header: 'EVENT', value: (event) => event.type },
              { header: 'BY', value: (event) => event.actor, maxWidth: 32 },
              { header: 'NOTES', value: (event) => event.notes ?? '-', maxWidth: 70 },
            ],
            ctx.palette.bold,
          ),
        );
      });
    });

  incidents
    .command('ack')
    .description('acknowledge an open incident (someone is on it)')
    .argument('<id>', 'the incident id')
    .option('--by <actor>', 'who acknowledges (default: $RTV_ACTOR)')
    .option('--notes <text>', 'a note for the timeline')
    .action(async (id: string, options: { by?: string; notes?: string }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        const incident = await connection.incidents().acknowledge({ id, actor, notes: options.notes });
        ctx.out(`acknowledged ${incident.id} (${incident.title}) by ${actor}`);
      });
    });

  incidents
    .command('note')
    .description("add a note to an incident's timeline (what was tried, who was called)")
    .argument('<id>', 'the incident id')
    .requiredOption('--notes <text>', 'the note')
    .option('--by <actor>', 'who writes it (default: $RTV_ACTOR)')
    .action(async (id: string, options: { by?: string; notes: string }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        await connection.incidents().addNote({ id, actor, notes: options.notes });
        ctx.out(`noted on ${id} by ${actor}`);
      });
    });

  incidents
    .command('resolve')
    .description('resolve an incident (does not deactivate its switch)')
    .argument('<id>', 'the incident id')
    .requiredOption('--notes <text>', 'what happened and what was done, for the record')
    .option('--by <actor>', 'who resolves (default: $RTV_ACTOR)')
    .action(async (id: string, options: { by?: string; notes: string }) => {
      const actor = resolveActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        const incident = await connection.incidents().resolve({ id, actor, notes: options.notes });
        ctx.out(`resolved ${incident.id} (${incident.title}) by ${actor}`);
        if (incident.killSwitchId) {
          ctx.out(
            `  its switch ${incident.killSwitchId} is unchanged: deactivate it with rtv-ks deactivate ${incident.killSwitchId} --reason "..." when safe`,
          );
        }
      });
    });
}
