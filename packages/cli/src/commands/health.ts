/**
 * `rtv-ks health`: can the kill-switch state be read and changed from here?
 * PostgreSQL, Redis and the snapshot, each with its status, plus the state
 * version to compare with instances' /healthz. Exit 0 operational,
 * 7 degraded, 5 failed, so a script or probe can branch on it.
 */
import type { ComponentStatus, HealthReport } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { rootCauseText } from '../errors-to-exit';
import { ExitCode } from '../exit-codes';
import type { Palette } from '../format/color';
import { renderTable } from '../format/table';
import { formatDuration } from '../format/time';
import { loadedStateVersion } from '../snapshot-version';

export function exitCodeForHealth(status: ComponentStatus) {
  return status === 'operational' ? ExitCode.OK : status === 'degraded' ? ExitCode.DEGRADED : ExitCode.UNAVAILABLE;
}

function paint(status: ComponentStatus, palette: Palette): string {
  return status === 'operational'
    ? palette.green(status)
    : status === 'degraded'
      ? palette.yellow(status)
      : palette.red(status);
}

interface Row {
  component: string;
  status: ComponentStatus;
  detail: string;
}

/** The library names its options; the CLI's are environment variables. */
const cliOptionNames = (message: string) => message.replace(/\bkeyPrefix\b/g, 'RTV_KEY_PREFIX');

function rows(report: HealthReport, labels: { database: string; redis?: string; redisError?: string }): Row[] {
  const { postgres, redis, snapshot } = report.components;
  const latency = (ms: number | undefined) => (ms === undefined ? '' : `${ms} ms, `);
  return [
    {
      component: 'postgres',
      status: postgres.status,
      detail: postgres.error
        ? `${postgres.error} (${labels.database})`
        : `${latency(postgres.latencyMs)}${labels.database}`,
    },
    {
      component: 'redis',
      status: redis.status,
      detail: redis.configured
        ? redis.error
          ? `${labels.redisError ?? cliOptionNames(redis.error)} (${labels.redis ?? 'REDIS_URL'})`
          : `${latency(redis.latencyMs)}${labels.redis ?? ''}`
        : 'not configured (REDIS_URL unset): PostgreSQL polling only',
    },
    {
      component: 'snapshot',
      status: snapshot.status,
      detail: `version ${snapshot.version}, ${snapshot.activeSwitches} active, confirmed ${formatDuration(snapshot.ageMs)} ago (fails closed past ${formatDuration(snapshot.maxStalenessMs)})`,
    },
  ];
}

export function registerHealth(program: Command, ctx: CommandContext): void {
  program
    .command('health')
    .description('check PostgreSQL, Redis and the state snapshot; exit 0 operational, 7 degraded, 5 failed')
    .option('--json', 'print the health report as JSON')
    .action(async (options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const service = connection.service();
        // The snapshot is only meaningful once loaded; a dead store shows up as failed either way.
        await loadedStateVersion(service, 2000);
        const report = await service.health();
        if (report.components.postgres.status === 'failed') {
          // The probe's message is drizzle's "Failed query: ..."; the driver's reason is what a person can act on.
          report.components.postgres.error = await connection.db.execute('select 1').then(
            () => report.components.postgres.error,
            (error: unknown) => rootCauseText(error),
          );
        }
        ctx.exitCode = exitCodeForHealth(report.status);
        if (options.json) {
          ctx.json(report);
          return;
        }
        ctx.out(
          renderTable(
            rows(report, {
              database: connection.databaseLabel,
              redis: connection.redisLabel,
              redisError: connection.redisError(),
            }),
            [
              { header: 'COMPONENT', value: (row) => row.component },
              { header: 'STATUS', value: (row) => paint(row.status, ctx.palette) },
              { header: 'DETAIL', value: (row) => row.detail, maxWidth: 100 },
            ],
            ctx.palette.bold,
          ),
        );
        ctx.out();
        ctx.out(`overall: ${paint(report.status, ctx.palette)}`);
      });
    });
}
