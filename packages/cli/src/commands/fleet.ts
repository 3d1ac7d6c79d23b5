/**
 * `rtv-ks fleet`: every service instance the registry knows, with the state
 * version it applied, its apply lag, snapshot age and health. Instances
 * behind or lost come first, in red on a terminal; exit 7 (degraded) while
 * a live instance is behind.
 */
import type { FleetInstance } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { renderTable } from '../format/table';
import { formatDuration } from '../format/time';

const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);

export function registerFleet(program: Command, ctx: CommandContext): void {
  program
    .command('fleet')
    .description('show every service instance: the state version it applied, apply lag, snapshot age, health')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const instances = await connection.service().fleet.instances();
        if (instances.some((i) => i.state === 'behind')) ctx.exitCode = ExitCode.DEGRADED;
        if (options.json) {
          ctx.json({ instances });
          return;
        }
        if (instances.length === 0) {
          ctx.out('No service instance is registered (none running, or they use another RTV_KEY_PREFIX or no Redis).');
          return;
        }
        const now = ctx.io.now();
        const { red } = ctx.palette;
        const mark = (i: FleetInstance, text: string) => (i.state === 'current' ? text : red(text));
        ctx.out(
          renderTable(
            instances,
            [
              { header: 'STATE', value: (i) => mark(i, i.state) },
              { header: 'INSTANCE', value: (i) => i.instanceId },
              { header: 'SERVICE', value: (i) => i.serviceName, maxWidth: 24 },
              { header: 'HOST', value: (i) => `${i.host}:${i.pid}`, maxWidth: 32 },
              { header: 'VERSION', value: (i) => mark(i, String(i.version)) },
              { header: 'APPLY LAG', value: (i) => ms(i.lagMs) },
              { header: 'SNAPSHOT AGE', value: (i) => formatDuration(i.snapshotAgeMs) },
              { header: 'HEALTH', value: (i) => (i.health === 'ok' ? i.health : red(i.health)) },
              { header: 'LAST SEEN', value: (i) => `${formatDuration(Math.max(0, now - i.heartbeatAt))} ago` },
            ],
            ctx.palette.bold,
          ),
        );
        const live = instances.filter((i) => i.state !== 'lost').length;
        const behind = instances.filter((i) => i.state === 'behind').length;
        ctx.out();
        ctx.out(`${live} live (${behind} behind), ${instances.length - live} lost`);
      });
    });
}
