/**
 * A tiny JSON writer that reproduces what aurweb's orjson output looks like on the wire:
 * compact, optionally with sorted keys, and with Python floats that keep their `.0`.
 * JSON.stringify alone cannot do the last part (it writes `2` for the float 2.0).
 */

/** A number that Python holds as a float: written `2.0`, not `2`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type JsonValue = string | number | boolean | null | PyFloat | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** orjson writes integral floats with a `.0`, and other finite floats in shortest round-trip form like JS. */
export function formatPyFloat(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n);
}

/** Serializes compactly; `sortKeys` gives orjson's OPT_SORT_KEYS, otherwise insertion order is kept. */
export function writeJson(value: JsonValue, sortKeys: boolean): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof PyFloat) return formatPyFloat(value.value);
  if (isArray(value)) return `[${value.map((v) => writeJson(v, sortKeys)).join(',')}]`;
  const keys = Object.keys(value);
  if (sortKeys) keys.sort();
  const parts: string[] = [];
  for (const key of keys) {
    const v = value[key];
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${writeJson(v, sortKeys)}`);
  }
  return `{${parts.join(',')}}`;
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/** aurweb stores list fields with DISTINCT rows; keep the first occurrence, in .SRCINFO order. */
export function distinct(values: readonly string[] | undefined): string[] {
  if (!values || values.length === 0) return [];
  return values.length === 1 ? [...values] : [...new Set(values)];
}
