/**
 * `rtv-ks triggers create|list|revoke`: signed webhooks that trip one switch.
 * Create prints the URL path and the secret once.
 */
import { ADMIN_AUDIT_TYPES, createTrigger, listTriggers, revokeTrigger } from '@rtv/admin';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { cliActor } from './cli-actor';

function registerCreate(triggers: Command, ctx: CommandContext): void {
  triggers
    .command('create')
    .description('create a trigger for a switch (the secret is shown once)')
    .requiredOption('--switch <id>', 'the switch it trips')
    .requiredOption('--name <name>', 'e.g. pagerduty-high-error (recorded as trigger:<name>)')
    .option('--by <actor>', 'who creates it (default: $RTV_ACTOR, else cli:<os user>)')
    .option('--json', 'print JSON')
    .action(async (options: { switch: string; name: string; by?: string; json?: boolean }) => {
      const createdBy = cliActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        const { trigger, secret } = await createTrigger(connection.db, {
          switchId: options.switch,
          name: options.name,
          createdBy,
          now: new Date(ctx.io.now()),
        });
        await connection.audit.emit({
          type: ADMIN_AUDIT_TYPES.triggerCreated,
          actor: createdBy,
          target: trigger.switchId,
          metadata: { triggerId: trigger.id, name: trigger.name },
        });
        if (options.json) return ctx.json({ ...trigger, secret });
        ctx.out(`created trigger ${trigger.id} (${trigger.actor}) for ${trigger.switchId}`);
        ctx.out(`  POST <admin server>${trigger.path}`);
        ctx.out(`  secret: ${secret}`);
        ctx.out(
          '  sign: X-RTV-Timestamp: <unix seconds>, X-RTV-Signature: v1=hex(hmac_sha256(secret, "<timestamp>.<body>"))',
        );
        ctx.note('rtv-ks: the secret is shown only this once.');
      });
    });
}

export function registerTriggers(program: Command, ctx: CommandContext): void {
  const triggers = program.command('triggers').description('signed webhooks that trip a switch');
  registerCreate(triggers, ctx);
  triggers
    .command('list')
    .description('list triggers (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await ctx.withConnection(async (connection) => {
        const list = await listTriggers(connection.db);
        if (options.json) return ctx.json(list);
        if (list.length === 0)
          return ctx.out('No triggers. Create one: rtv-ks triggers create --switch <id> --name <name>');
        for (const t of list)
          ctx.out(`${t.id}  ${t.actor}  ${t.switchId}  ${t.revokedAt ? 'revoked' : 'active'}  ${t.path}`);
      });
    });
  triggers
    .command('revoke')
    .description('revoke a trigger at once')
    .argument('<id>', 'the trigger id (trg_...)')
    .option('--by <actor>', 'who revokes it (default: $RTV_ACTOR, else cli:<os user>)')
    .action(async (id: string, options: { by?: string }) => {
      const actor = cliActor(options.by, ctx.io.env);
      await ctx.withConnection(async (connection) => {
        const trigger = await revokeTrigger(connection.db, id, new Date(ctx.io.now()));
        await connection.audit.emit({
          type: ADMIN_AUDIT_TYPES.triggerRevoked,
          actor,
          target: trigger.switchId,
          metadata: { triggerId: id },
        });
        ctx.out(`revoked ${id}`);
      });
    });
}
