/**
 * How a user would model kill switches with a feature-flag SDK: one boolean
 * flag per switch target, and a check that asks the eight candidate flags of
 * a context in the same priority order as ours (global > client > platform >
 * action), building their names per call.
 */
export interface SwitchTarget {
  clientId: string | null;
  targetType: 'all' | 'platform' | 'action';
  targetValue: string;
  platform: string | null;
}

export interface FlagCheckContext {
  clientId: string;
  action: string;
  platform?: string;
}

export const flagName = (t: SwitchTarget): string =>
  `ks:${t.clientId ?? '*'}:${t.targetType}:${t.targetValue}:${t.platform ?? '*'}`;

/** The targets that could block a context, highest priority first (DESIGN.md's order). */
export function candidateTargets(ctx: FlagCheckContext): SwitchTarget[] {
  const c = ctx.clientId;
  const p = ctx.platform ?? null;
  const list: SwitchTarget[] = [
    { clientId: null, targetType: 'all', targetValue: '*', platform: null },
    { clientId: c, targetType: 'all', targetValue: '*', platform: null },
  ];
  if (p) {
    list.push({ clientId: null, targetType: 'platform', targetValue: p, platform: null });
    list.push({ clientId: c, targetType: 'platform', targetValue: p, platform: null });
  }
  list.push({ clientId: null, targetType: 'action', targetValue: ctx.action, platform: null });
  list.push({ clientId: c, targetType: 'action', targetValue: ctx.action, platform: null });
  if (p) {
    list.push({ clientId: null, targetType: 'action', targetValue: ctx.action, platform: p });
    list.push({ clientId: c, targetType: 'action', targetValue: ctx.action, platform: p });
  }
  return list;
}

/** The candidate flag names, built per call as a user's wrapper would. */
export function candidateFlags(ctx: FlagCheckContext): string[] {
  const c = ctx.clientId;
  const p = ctx.platform;
  const names = ['ks:*:all:*:*', `ks:${c}:all:*:*`];
  if (p) names.push(`ks:*:platform:${p}:*`, `ks:${c}:platform:${p}:*`);
  names.push(`ks:*:action:${ctx.action}:*`, `ks:${c}:action:${ctx.action}:*`);
  if (p) names.push(`ks:*:action:${ctx.action}:${p}`, `ks:${c}:action:${ctx.action}:${p}`);
  return names;
}

/**
 * The flags an SDK is bootstrapped with: the active switches (on) and, in the
 * peers' favour, every candidate flag of the benchmarked contexts defined as
 * off, so no evaluation takes an SDK's "flag not found" path.
 */
export function flagStates(active: SwitchTarget[], contexts: FlagCheckContext[]): Map<string, boolean> {
  const states = new Map<string, boolean>();
  for (const ctx of contexts) for (const name of candidateFlags(ctx)) states.set(name, false);
  for (const target of active) states.set(flagName(target), true);
  return states;
}
