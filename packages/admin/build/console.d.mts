/** Builds the operator console into outDir (default dist/console); resolves with the files written. */
export function buildConsole(outDir?: string): Promise<string[]>;
