/**
 * `rtv-ks migrate`: applies the schema migrations to DATABASE_URL (or the
 * embedded database). Idempotent, and safe while other migrators run: they
 * wait on an advisory lock. Run it as the owner role; `--runtime-role` then
 * grants the runtime role (services, the admin server) its least privileges.
 */
import { grantRuntimeRole, migrate, runtimeGrantStatements } from '@rtv/db';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';

export function registerMigrate(program: Command, ctx: CommandContext): void {
  program
    .command('migrate')
    .description('apply the database migrations (idempotent); run as the owner role')
    .option(
      '--runtime-role <role>',
      'then grant this existing role the runtime privileges (no rewriting history or audit)',
    )
    .option('--print-grants <role>', 'print the GRANT statements for a runtime role and exit')
    .action(async (options: { runtimeRole?: string; printGrants?: string }) => {
      if (options.printGrants) {
        for (const statement of runtimeGrantStatements(options.printGrants)) ctx.out(`${statement};`);
        return;
      }
      await ctx.withConnection(async (connection) => {
        await migrate(connection.db);
        ctx.out(`migrations applied: ${connection.databaseLabel}`);
        if (options.runtimeRole) {
          await grantRuntimeRole(connection.db, options.runtimeRole);
          ctx.out(`runtime privileges granted to ${options.runtimeRole}`);
        }
      });
    });
}
