/**
 * The naming scheme of the provider's flags: one boolean flag per action, `<prefix><action>`
 * (by default `allow.publish`, `allow.delete`), true when the action may run now. The platform
 * and the client come from the evaluation context, so one flag serves every client and platform.
 */

/** @default 'allow.' */
export const DEFAULT_FLAG_PREFIX = 'allow.';

/** The action a flag key names, or undefined when the key is not one of ours. */
export function actionOfFlag(flagKey: string, prefix: string): string | undefined {
  if (!flagKey.startsWith(prefix)) return undefined;
  const action = flagKey.slice(prefix.length);
  return action.length > 0 ? action : undefined;
}
