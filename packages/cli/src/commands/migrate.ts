/**
 * `rtv-ks migrate`: applies the schema migrations to DATABASE_URL (or the
 * embedded database). Idempotent, and safe while other migrators run: they
 * wait on an advisory lock.
 */
import { migrate } from '@rtv/db';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';

export function registerMigrate(program: Command, ctx: CommandContext): void {
  program
    .command('migrate')
    .description('apply the database migrations (idempotent)')
    .action(async () => {
      await ctx.withConnection(async (connection) => {
        await migrate(connection.db);
        ctx.out(`migrations applied: ${connection.databaseLabel}`);
      });
    });
}
