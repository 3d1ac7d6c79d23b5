#!/usr/bin/env node
/**
 * Entry of the `rtv-ks` binary: runs one command on the process's streams
 * and exits with its code. The command has closed every handle it opened;
 * exiting explicitly (once stdout and stderr are flushed) spares the operator
 * the second or so the embedded database's runtime lingers after close.
 */
import { runCli } from './program';

// The libraries unref() their timers so they never hold a server open; a command awaiting them must hold the
// process open itself, or Node would exit mid-command when only unref'd timers remain.
const keepAlive = setInterval(() => {}, 60_000);
const code = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  now: () => Date.now(),
});
clearInterval(keepAlive);
process.exitCode = code;
// An empty write's callback runs after the writes before it: nothing printed is cut off in a pipe.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
