/**
 * What every command gets: where to write, the environment, the clock, the
 * palette, and `withConnection`, which opens the stores for one command and
 * always closes them, so the process ends as soon as the command is done.
 */
import type { Readable } from 'node:stream';
import { type Connection, connect } from './connect';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { type Palette, paletteFor } from './format/color';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch (relative times in tables). */
  now(): number;
}

export interface CommandContext {
  io: CliIo;
  /** Colours for stdout (plain in pipes and under NO_COLOR). */
  palette: Palette;
  /** Exit code the command chose (e.g. `health` degraded); errors set theirs on the way out. */
  exitCode: ExitCodeValue;
  /** Set once a connection opened: error messages name this database. */
  databaseLabel?: string;
  out(line?: string): void;
  json(value: unknown): void;
  note(line: string): void;
  withConnection<T>(run: (connection: Connection) => Promise<T>): Promise<T>;
}

export function createCommandContext(io: CliIo): CommandContext {
  const context: CommandContext = {
    io,
    palette: paletteFor(io.stdout, io.env),
    exitCode: ExitCode.OK,
    out(line = '') {
      io.stdout.write(`${line}\n`);
    },
    json(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      io.stderr.write(`${line}\n`);
    },
    async withConnection(run) {
      const connection = await connect({ env: io.env, note: context.note });
      context.databaseLabel = connection.databaseLabel;
      try {
        return await run(connection);
      } finally {
        await connection.close();
      }
    },
  };
  return context;
}
