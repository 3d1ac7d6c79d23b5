/**
 * `rtv-ks audit`: the audit trail, newest first, with filters; `--verify`
 * re-checks the whole hash chain and says where it broke, exiting 9 then so
 * a scheduled job can alert on tampering.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AuditRecord, queryAudit, readCheckpointFile, verifyAuditChain } from '@rtv/audit';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { renderTable } from '../format/table';
import { formatTime } from '../format/time';
import { durationOption, limitOption } from '../options';
import { UsageError } from '../usage-error';

interface AuditOptions {
  since: string;
  type?: string;
  actor?: string;
  target?: string;
  client?: string;
  limit?: string;
  verify?: boolean;
  checkpoints?: string;
  publicKey?: string;
  json?: boolean;
}

/** The checkpoints and key `--verify` compares against, when both are given; unreadable files are usage errors. */
async function checkpointsOption(options: AuditOptions) {
  if (!options.checkpoints) return undefined;
  if (!options.publicKey) throw new UsageError('--checkpoints needs --public-key <file.pem>', '--public-key');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(readFileSync(options.publicKey, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--public-key: cannot read a public key from ${options.publicKey} (${describe(error)})`,
      '--public-key',
    );
  }
  try {
    return { list: await readCheckpointFile(options.checkpoints), publicKey };
  } catch (error) {
    throw new UsageError(`--checkpoints: cannot read ${options.checkpoints} (${describe(error)})`, '--checkpoints');
  }
}

const describe = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));

/** The one detail worth a column: the reason (or notes, or title) when there is one, else the metadata compactly. */
function detail(record: AuditRecord): string {
  for (const key of ['reason', 'notes', 'title', 'why']) {
    const value = record.metadata[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  const json = JSON.stringify(record.metadata);
  return json === '{}' ? '-' : json;
}

export function registerAudit(program: Command, ctx: CommandContext): void {
  program
    .command('audit')
    .description('read the audit trail (newest first); --verify checks the hash chain')
    .option('--since <duration>', 'only records from this long ago, e.g. 30m, 24h, 7d', '24h')
    .option('--type <type>', 'only this event type, e.g. KILL_SWITCH_ACTIVATED')
    .option('--actor <actor>', 'only records by this actor')
    .option('--target <id>', 'only records about this target (a switch id)')
    .option('--client <clientId>', 'only records of this client')
    .option('--limit <n>', 'at most this many records (1-1000)', '50')
    .option('--verify', 'verify the whole hash chain; exit 9 when it is broken')
    .option(
      '--checkpoints <file>',
      'with --verify: also compare with these signed checkpoints (finds a deleted tail, a rewound head)',
    )
    .option('--public-key <file>', 'the Ed25519 public key (PEM) the checkpoints were sealed with')
    .option('--json', 'print JSON for scripts')
    .action(async (options: AuditOptions) => {
      const sinceMs = durationOption('--since', options.since) ?? 0;
      const limit = limitOption(options.limit, 50, 1000);
      const checkpoints = await checkpointsOption(options);
      await ctx.withConnection(async (connection) => {
        const page = await queryAudit(connection.db, {
          since: new Date(ctx.io.now() - sinceMs),
          type: options.type,
          actor: options.actor,
          target: options.target,
          clientId: options.client,
          limit,
        });
        const verification = options.verify
          ? await verifyAuditChain(connection.db, checkpoints ? { checkpoints } : {})
          : undefined;
        if (verification && !verification.ok) ctx.exitCode = ExitCode.INTEGRITY;
        if (options.json) {
          ctx.json({ records: page.records, more: page.nextCursor !== null, verification });
          return;
        }
        const now = ctx.io.now();
        if (page.records.length === 0) {
          ctx.out(`No audit records in the last ${options.since} match.`);
        } else {
          ctx.out(
            renderTable(
              page.records,
              [
                { header: 'SEQ', value: (r) => String(r.seq), alignRight: true },
                { header: 'WHEN', value: (r) => formatTime(r.occurredAt, now) },
                { header: 'TYPE', value: (r) => r.type },
                { header: 'ACTOR', value: (r) => r.actor, maxWidth: 32 },
                { header: 'TARGET', value: (r) => r.target ?? '-' },
                { header: 'CLIENT', value: (r) => r.clientId ?? '-' },
                { header: 'DETAIL', value: detail, maxWidth: 60 },
              ],
              ctx.palette.bold,
            ),
          );
          if (page.nextCursor !== null) ctx.out(ctx.palette.dim('(more records: raise --limit or narrow the filters)'));
        }
        if (verification?.ok) {
          ctx.out(ctx.palette.green(`audit chain OK: ${verification.count} records verified`));
        } else if (verification) {
          ctx.out(
            ctx.palette.red(
              `audit chain BROKEN at seq ${verification.brokenAt}: ${verification.reason} (${verification.count} records verified before it)`,
            ),
          );
        }
      });
    });
}
