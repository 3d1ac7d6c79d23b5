/**
 * `runCli` in-process on a fresh embedded database (its own RTV_DATA_DIR,
 * removed after the file), with stdin answered or closed and the output kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import type { CliIo } from '../command-context';
import { runCli } from '../program';

export interface CliSession {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

export function useEmbeddedCli() {
  let root = '';
  let dataDir = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rtv-ks-'));
    dataDir = join(root, 'data');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** `answer` is typed at a terminal prompt; without one, stdin is closed and not a terminal. */
  function io(answer?: string): CliSession {
    let out = '';
    let err = '';
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    if (answer !== undefined) {
      stdin.isTTY = true;
      stdin.end(`${answer}\n`);
    } else {
      stdin.end();
    }
    return {
      io: {
        stdout: {
          write: (chunk: string) => {
            out += chunk;
          },
        },
        stderr: {
          write: (chunk: string) => {
            err += chunk;
          },
        },
        stdin,
        env: { RTV_DATA_DIR: dataDir, NO_COLOR: '1', RTV_ACTOR: 'alice' },
        now: () => Date.now(),
      },
      stdout: () => out,
      stderr: () => err,
    };
  }

  const cli = (args: string[], answer?: string) => {
    const session = io(answer);
    return runCli(['node', 'rtv-ks', ...args], session.io).then((code) => ({ code, ...session }));
  };

  return { io, cli, dataDir: () => dataDir };
}
