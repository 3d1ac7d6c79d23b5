/**
 * `rtv-ks tokens create|list|revoke`: API tokens for the admin server. The
 * token is printed once; only its hash is stored. Creating and revoking are
 * recorded in the audit trail.
 */
import { ADMIN_AUDIT_TYPES, type AdminRole, createApiToken, listApiTokens, revokeApiToken } from '@rtv/admin';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { durationOption } from '../options';
import { UsageError } from '../usage-error';
import { cliActor } from './cli-actor';

interface CreateOptions {
  name: string;
  role: string;
  clients?: string;
  breakGlass?: boolean;
  expiresIn: string;
  by?: string;
  json?: boolean;
}

function registerCreate(tokens: Command, ctx: CommandContext): void {
  tokens
    .command('create')
    .description('create an API token (shown once)')
    .requiredOption('--name <name>', 'who holds it, e.g. alice@example.com or latency-monitor')
    .requiredOption('--role <role>', 'admin, operator, viewer or monitor (trips, never releases)')
    .option('--clients <list>', 'comma-separated clients an operator or monitor is fenced to')
    .option('--break-glass', 'may release alone through a time-boxed bypass')
    .option('--expires-in <duration>', 'lifetime, e.g. 30d', '90d')
    .option('--by <actor>', 'who creates it (default: $RTV_ACTOR, else cli:<os user>)')
    .option('--json', 'print JSON')
    .action(async (options: CreateOptions) => {
      const ttlMs = durationOption('--expires-in', options.expiresIn);
      const clients =
        options.clients
          ?.split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '') ?? [];
      const createdBy = cliActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        const { token, summary } = await createApiToken(connection.db, {
          name: options.name,
          role: options.role as AdminRole,
          clients,
          breakGlass: options.breakGlass ?? false,
          ...(ttlMs === undefined ? {} : { ttlMs }),
          createdBy,
          now: new Date(ctx.io.now()),
        });
        await connection.audit.emit({
          type: ADMIN_AUDIT_TYPES.tokenCreated,
          actor: createdBy,
          target: summary.id,
          metadata: {
            name: summary.name,
            role: summary.role,
            clients: summary.clients,
            breakGlass: summary.breakGlass,
          },
        });
        if (options.json) return ctx.json({ token, ...summary });
        ctx.out(
          `created token ${summary.id} for ${summary.actor} (${summary.role}), expires ${summary.expiresAt.toISOString()}`,
        );
        ctx.out(token);
        ctx.note('rtv-ks: the token is shown only this once; store it in a secret manager.');
      });
    });
}

export function registerTokens(program: Command, ctx: CommandContext): void {
  const tokens = program.command('tokens').description('API tokens of the admin server');
  registerCreate(tokens, ctx);
  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const list = await listApiTokens(connection.db);
        if (options.json) return ctx.json(list);
        if (list.length === 0) return ctx.out('No tokens. Create one: rtv-ks tokens create --name <who> --role <role>');
        for (const t of list) {
          const state = t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= ctx.io.now() ? 'expired' : 'active';
          ctx.out(
            `${t.id}  ${t.actor}  ${t.role}${t.clients.length ? ` [${t.clients.join(',')}]` : ''}${t.breakGlass ? ' break-glass' : ''}  ${state}`,
          );
        }
      });
    });
  tokens
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id (tok_...)')
    .option('--by <actor>', 'who revokes it (default: $RTV_ACTOR, else cli:<os user>)')
    .action(async (id: string, options: { by?: string }) => {
      const actor = cliActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        if (!(await revokeApiToken(connection.db, id, new Date(ctx.io.now())))) {
          throw new UsageError(`no token ${id} (see rtv-ks tokens list)`, '<id>');
        }
        await connection.audit.emit({ type: ADMIN_AUDIT_TYPES.tokenRevoked, actor, target: id });
        ctx.out(`revoked ${id}`);
      });
    });
}
