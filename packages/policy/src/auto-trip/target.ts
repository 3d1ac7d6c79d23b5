/**
 * Auto-trip targets (`platform:<name>` or `action:<name>`) and the cheap, hand-written validation
 * of recorded results: this runs on the hot path, so no zod and no allocation unless the input is bad.
 */
import { ValidationError } from '../errors';

export type AutoTripTarget = `platform:${string}` | `action:${string}`;

export interface ParsedTarget {
  target: string;
  targetType: 'platform' | 'action';
  targetValue: string;
}

/** The switch columns' limits: a name the service would refuse must be refused here first. */
const MAX_NAME = 50;
const MAX_CLIENT_ID = 100;
/**
 * Names exclude `:` so a fleet's Redis key `<prefix>at:<target>:<client>`
 * parses one way only; client ids follow the service's identifier rule.
 */
const NAME = /^[A-Za-z0-9_.@/-]+$/;
const CLIENT_ID = /^[A-Za-z0-9_.:@/-]+$/;

const invalid = (field: string, message: string) => new ValidationError(`${field} ${message}`, [{ field, message }]);

/** Parses a target string, or returns the error that names what is wrong. */
export function parseTarget(target: unknown, field = 'target'): ParsedTarget | ValidationError {
  if (typeof target !== 'string' || target.length === 0) {
    return invalid(field, "must be a non-empty string 'platform:<name>' or 'action:<name>'");
  }
  const colon = target.indexOf(':');
  const type = colon < 0 ? '' : target.slice(0, colon);
  if (type !== 'platform' && type !== 'action') {
    return invalid(field, `must start with 'platform:' or 'action:' (got '${target.slice(0, 60)}')`);
  }
  const name = target.slice(colon + 1);
  if (name.length === 0 || name.length > MAX_NAME || !NAME.test(name)) {
    return invalid(
      field,
      `must name the ${type} after '${type}:' in at most ${MAX_NAME} letters, digits or _ . @ / - (got '${target.slice(0, 60)}')`,
    );
  }
  return { target, targetType: type, targetValue: name };
}

/** Why a client id is unusable, or undefined. Runs only for ids not tracked yet. */
export function clientIdIssue(clientId: string): ValidationError | undefined {
  if (clientId.length > MAX_CLIENT_ID) return invalid('clientId', `must be at most ${MAX_CLIENT_ID} characters`);
  if (!CLIENT_ID.test(clientId)) return invalid('clientId', 'may contain only letters, digits and _ . : @ / -');
  return undefined;
}

/** One outcome of a call, as workers report it. */
export interface RecordedResult {
  /** `platform:<name>` or `action:<name>`. */
  target: string;
  success: boolean;
  clientId: string;
  /** When the call finished (ms since the epoch). @default the monitor's clock */
  timestamp?: number;
  /** The call's latency, for the latency spike check. */
  latencyMs?: number;
  /** The call's cost, for the cost spike check. */
  costCents?: number;
}

/**
 * Type checks of a result, in the order a reader would fix them. The target's
 * format and the client id's characters are checked where they are first seen
 * (a tracked key has passed already), which keeps a repeat record allocation-free.
 */
export function resultIssue(result: RecordedResult): ValidationError | undefined {
  if (typeof result !== 'object' || result === null) {
    return invalid('result', 'must be an object { target, success, clientId, ... }');
  }
  if (typeof result.target !== 'string' || result.target.length === 0) {
    return invalid('target', "must be a non-empty string 'platform:<name>' or 'action:<name>'");
  }
  if (typeof result.success !== 'boolean') return invalid('success', 'must be a boolean');
  if (typeof result.clientId !== 'string' || result.clientId.length === 0) {
    return invalid('clientId', 'must be a non-empty string');
  }
  const { timestamp, latencyMs, costCents } = result;
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0)) {
    return invalid('timestamp', 'must be a finite, non-negative number of ms since the epoch');
  }
  if (latencyMs !== undefined && (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0)) {
    return invalid('latencyMs', 'must be a finite, non-negative number');
  }
  if (costCents !== undefined && (typeof costCents !== 'number' || !Number.isFinite(costCents) || costCents < 0)) {
    return invalid('costCents', 'must be a finite, non-negative number');
  }
  return undefined;
}
