/**
 * `rtv-ks serve`: the admin server (the operator console at /, the API under
 * /api/v1, OpenAPI at /openapi.json) on DATABASE_URL and REDIS_URL, until SIGINT or SIGTERM.
 * With a checkpoint key it seals the audit chain head at each release and
 * periodically, into a file or webhook outside the database.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type TrustedProxyOptions, createAdminServer } from '@rtv/admin';
import {
  type CheckpointSink,
  createCheckpointSealer,
  createFileCheckpointSink,
  createWebhookCheckpointSink,
} from '@rtv/audit';
import { createKillSwitchService } from '@rtv/policy';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { durationOption } from '../options';
import { UsageError } from '../usage-error';

interface ServeOptions {
  port: string;
  host: string;
  checkpointKey?: string;
  checkpointFile?: string;
  checkpointWebhook?: string;
  sealEvery: string;
  trustedHeader?: string;
  grants?: string;
}

function readText(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      option,
    );
  }
}

function trustedProxy(options: ServeOptions): TrustedProxyOptions | undefined {
  if (!options.trustedHeader) return undefined;
  if (!options.grants) throw new UsageError('--trusted-header needs --grants <file.json>', '--grants');
  try {
    return { header: options.trustedHeader, grants: JSON.parse(readText('--grants', options.grants)) };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError('--grants must be a JSON object of user -> { role, clients?, breakGlass? }', '--grants');
  }
}

function checkpointSinks(options: ServeOptions): CheckpointSink[] {
  const sinks: CheckpointSink[] = [];
  if (options.checkpointFile) sinks.push(createFileCheckpointSink(options.checkpointFile));
  if (options.checkpointWebhook) sinks.push(createWebhookCheckpointSink(options.checkpointWebhook));
  if (sinks.length === 0)
    throw new UsageError('--checkpoint-key needs --checkpoint-file or --checkpoint-webhook', '--checkpoint-file');
  return sinks;
}

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('run the admin HTTP API (tokens: rtv-ks tokens create)')
    .option('--port <port>', 'TCP port', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--checkpoint-key <file>',
      'Ed25519 private key (PEM) that seals audit checkpoints; keep it off the database host',
    )
    .option('--checkpoint-file <file>', 'append checkpoints to this file (JSON lines)')
    .option('--checkpoint-webhook <url>', 'POST checkpoints to this URL')
    .option('--seal-every <duration>', 'seal a checkpoint this often as well as at each release', '1h')
    .option('--trusted-header <name>', 'trust this identity header from an authenticating proxy (off by default)')
    .option('--grants <file>', 'JSON: user -> { role, clients?, breakGlass? } for --trusted-header')
    .action(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535', '--port');
      const proxy = trustedProxy(options);
      const sealEvery = durationOption('--seal-every', options.sealEvery) ?? 0;
      await ctx.withConnection(async (connection) => {
        const service = createKillSwitchService({
          db: connection.db,
          audit: connection.audit,
          ...(connection.redis ? { redis: connection.redis } : {}),
          keyPrefix: ctx.io.env.RTV_KEY_PREFIX?.trim() || undefined,
          // The admin server changes the fleet, it is not part of it: receipts count only the services.
          fleet: { register: false },
        });
        await service.ready();
        const checkpoints = options.checkpointKey
          ? createCheckpointSealer({
              db: connection.db,
              privateKey: createPrivateKey(readText('--checkpoint-key', options.checkpointKey)),
              sinks: checkpointSinks(options),
            })
          : undefined;
        const app = await createAdminServer({
          db: connection.db,
          service,
          audit: connection.audit,
          incidents: connection.incidents(),
          ...(checkpoints ? { checkpoints, checkpointIntervalMs: sealEvery } : {}),
          ...(proxy ? { trustedProxy: proxy } : {}),
        });
        const address = await app.listen({ port, host: options.host });
        ctx.out(
          `operator console on ${address}/ ; admin API on ${address}/api/v1 (OpenAPI: ${address}/openapi.json); Ctrl-C stops it`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await app.close();
        await service.close();
      });
    });
}
