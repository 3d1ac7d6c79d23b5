/**
 * The one stable encoding the hash chain is computed over: JSON with object
 * keys sorted recursively, so jsonb's reordering cannot change the bytes.
 */

/**
 * Encodes a JSON value with keys sorted (by UTF-16 code units) at every
 * level. Numbers use ECMAScript's shortest round-trip form (`1.0` -> `1`,
 * `1e21` -> `1e+21`, `-0` -> `0`), which survives jsonb's numeric
 * normalisation because the value read back parses to the same double.
 * Expects a JSON-safe value (see `validate-event.ts`); throws otherwise.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const object = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(object).sort()) {
        const item = object[key];
        // As JSON.stringify: an undefined property is absent.
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}
