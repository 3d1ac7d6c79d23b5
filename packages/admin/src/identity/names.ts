/**
 * Checks of the strings the control plane stores itself (names, reasons):
 * bounded, printable, with no NUL or lone surrogate that PostgreSQL or the
 * audit trail would refuse later.
 */
import { isStorableText } from '@rtv/audit';
import { ValidationError } from '@rtv/policy';

const NAME_PATTERN = /^[A-Za-z0-9._@+-]{1,80}$/;

const refuse = (field: string, message: string): never => {
  throw new ValidationError(`${field} ${message}`, [{ field, message }]);
};

/** A name that becomes part of an actor: no spaces or colons, so it cannot pose as `system:...`. */
export function checkName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    refuse(field, 'must be 1 to 80 letters, digits or . @ + _ - (no spaces or colons)');
  }
}

export function checkText(field: string, value: unknown, max: number, min = 1): asserts value is string {
  if (typeof value !== 'string') return refuse(field, 'must be a string');
  if (value.length < min) refuse(field, `must be at least ${min} characters`);
  if (value.length > max) refuse(field, `must be at most ${max} characters`);
  if (!isStorableText(value)) refuse(field, 'must not contain NUL or unpaired surrogate characters');
}
