/**
 * A command-line input problem found by the CLI itself (a bad duration, a
 * missing --by), reported like the policy package's validation errors: the
 * option is named, nothing was changed, exit code 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The option at fault, e.g. `--expires-in`. */
    readonly option?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The operator declined at the prompt, or could not be asked. */
export class NotConfirmedError extends Error {
  constructor(
    message: string,
    /** True when the refusal came from a non-interactive stdin (a usage problem), false when the operator said no. */
    readonly nonInteractive: boolean,
  ) {
    super(message);
    this.name = 'NotConfirmedError';
  }
}
