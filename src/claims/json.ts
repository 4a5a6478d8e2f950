// JSON-safe copies of untrusted values: no prototype changes, no cycles, no non-JSON members.

/** What a template produces when its source is absent: the claim, member or element is left out. */
export const MISSING: unique symbol = Symbol('missing');

const MAX_DEPTH = 64;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A fresh copy made of plain objects and arrays. Drops what JSON cannot hold (functions, symbols,
 * bigints, non-finite numbers, class instances), `undefined`, the `__proto__` key, and `null` unless
 * `keepNull`. Returns MISSING when nothing is left of `value` itself.
 */
export function copyJson(value: unknown, options: { keepNull?: boolean } = {}, depth = 0): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : MISSING;
    case 'object': {
      if (value === null) return options.keepNull ? null : MISSING;
      if (depth >= MAX_DEPTH) return MISSING;
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (const item of value) {
          const copy = copyJson(item, options, depth + 1);
          if (copy !== MISSING) out.push(copy);
        }
        return out;
      }
      if (!isPlainObject(value)) return MISSING;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === '__proto__') continue;
        const copy = copyJson(value[key], options, depth + 1);
        if (copy !== MISSING) out[key] = copy;
      }
      return out;
    }
    default:
      return MISSING;
  }
}

/** Why `value` is not a claim value (JSON without null), or undefined when it is one. */
export function claimValueProblem(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
    case 'object': {
      if (value === null) return 'null is not allowed (leave the claim out instead)';
      if (depth >= MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels (or circular)`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = Object.hasOwn(value, i) ? claimValueProblem(value[i], depth + 1) : 'has a hole';
          if (problem) return `[${i}] ${problem}`;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return 'must be a string, number, boolean, array or plain object';
      for (const key of Object.keys(value)) {
        if (key === '__proto__') return '"__proto__" is not allowed as a key';
        const problem = claimValueProblem(value[key], depth + 1);
        if (problem) return `.${key} ${problem}`;
      }
      return undefined;
    }
    default:
      return `a ${typeof value} is not JSON`;
  }
}

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
