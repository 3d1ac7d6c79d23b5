/**
 * Public API of `@rtv/cli`: the CLI as a function (`runCli`) and its exit
 * codes. The CLI itself is the `rtv-ks` binary (src/cli.ts). The `/healthz`
 * and `/metrics` helpers a service mounts are `@rtv/http`.
 */
export { runCli } from './program';
export { ExitCode, type ExitCodeValue } from './exit-codes';
