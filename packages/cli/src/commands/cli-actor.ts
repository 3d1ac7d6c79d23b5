/**
 * Who the CLI records for control-plane bookkeeping (tokens, triggers): the
 * named identity of its configuration (--by, RTV_ACTOR), else the operating
 * system's user, so the trail never says nobody.
 */
import { userInfo } from 'node:os';

export function cliActor(by: string | undefined, env: NodeJS.ProcessEnv): string {
  const named = by?.trim() || env.RTV_ACTOR?.trim();
  if (named) return named;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
