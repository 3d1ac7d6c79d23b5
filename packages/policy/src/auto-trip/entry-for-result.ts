/**
 * The window entry of a result's (target, client), created on first sight:
 * the only time the key's strings are checked in full.
 */
import { ValidationError } from '../errors';
import type { KeyEntry, KeyRegistry } from './key-registry';
import { type RecordedResult, clientIdIssue, parseTarget } from './target';

export function entryForResult(
  registry: KeyRegistry,
  result: RecordedResult,
  now: number,
  idleEvictMs: number,
): KeyEntry {
  let owner = registry.targets.get(result.target);
  const entry = owner?.clients.get(result.clientId);
  if (entry !== undefined) {
    registry.touch(entry);
    entry.lastSeen = now;
    return entry;
  }
  if (owner === undefined) {
    const parsed = parseTarget(result.target);
    if (parsed instanceof ValidationError) throw parsed;
    const clientIssue = clientIdIssue(result.clientId);
    if (clientIssue) throw clientIssue;
    owner = registry.addTarget(parsed);
  } else {
    const clientIssue = clientIdIssue(result.clientId);
    if (clientIssue) throw clientIssue;
  }
  // An idle tail goes first, so a steady trickle of new clients does not wait for the sweep.
  registry.evictIdle(now - idleEvictMs);
  return registry.insert(owner, result.clientId, now);
}
