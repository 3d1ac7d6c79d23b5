/**
 * The `rtv-ks` command line: builds the commander program, runs one command
 * and turns its outcome into an exit code. Separate from `cli.ts` so tests
 * can run it in-process with their own streams and environment.
 */
import { Command, CommanderError } from 'commander';
import { type CliIo, createCommandContext } from './command-context';
import { registerActivate } from './commands/activate';
import { registerAudit } from './commands/audit';
import { registerCreate } from './commands/create';
import { registerDeactivate } from './commands/deactivate';
import { registerDrill } from './commands/drill';
import { registerFleet } from './commands/fleet';
import { registerHealth } from './commands/health';
import { registerHistory } from './commands/history';
import { registerIncidents } from './commands/incidents';
import { registerList } from './commands/list';
import { registerMigrate } from './commands/migrate';
import { registerServe } from './commands/serve';
import { registerStatus } from './commands/status';
import { registerTokens } from './commands/tokens';
import { registerTriggers } from './commands/triggers';
import { errorToExit, redactUrl } from './errors-to-exit';
import { EXIT_CODE_HELP, ExitCode, type ExitCodeValue } from './exit-codes';

const ENV_HELP = `Environment:
  DATABASE_URL    PostgreSQL URL; unset: the embedded PGlite database in RTV_DATA_DIR
  RTV_DATA_DIR    embedded database directory (default ./.rtv/data)
  REDIS_URL       Redis URL (optional): snapshot cache and change notifications
  RTV_KEY_PREFIX  namespace of the Redis keys (default rtv:ks:), as the services use
  RTV_ACTOR       default for --by
  RTV_TOKEN       act as this API token's identity (rtv-ks tokens create); --by is then refused
  NO_COLOR        no colours (also off when stdout is not a terminal)`;

export function buildProgram(io: CliIo): { program: Command; context: ReturnType<typeof createCommandContext> } {
  const context = createCommandContext(io);
  const program = new Command('rtv-ks')
    .description('Kill switches for autonomous work: see and flip them, read the audit trail.')
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText('after', `\n${ENV_HELP}\n\n${EXIT_CODE_HELP}\n`);
  // Subcommands copy the exit override and output settings when created, so their usage errors land here too.
  registerStatus(program, context);
  registerList(program, context);
  registerCreate(program, context);
  registerActivate(program, context);
  registerDeactivate(program, context);
  registerHistory(program, context);
  registerAudit(program, context);
  registerIncidents(program, context);
  registerFleet(program, context);
  registerDrill(program, context);
  registerHealth(program, context);
  registerMigrate(program, context);
  registerServe(program, context);
  registerTokens(program, context);
  registerTriggers(program, context);
  return { program, context };
}

/** Where the database is, for messages about failures before a connection opened. */
function databaseFromEnv(env: NodeJS.ProcessEnv): string {
  const url = env.DATABASE_URL?.trim();
  return url ? redactUrl(url) : `embedded PGlite at ${env.RTV_DATA_DIR?.trim() || './.rtv/data'}`;
}

/** Runs one command line (`argv` as in process.argv) and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const { program, context } = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; commander has already printed its usage message otherwise.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') {
        return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      }
      return ExitCode.USAGE;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true;
    const report = errorToExit(error, { database: context.databaseLabel ?? databaseFromEnv(io.env) });
    io.stderr.write(`rtv-ks: error: ${report.message}\n`);
    if ((report.unexpected || debug) && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
    }
    return report.exitCode;
  }
}
