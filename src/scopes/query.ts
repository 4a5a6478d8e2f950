// The `?param=value&...` suffix of granular scopes (SMART 2.x "Finer-grained resource
// constraints using search parameters"). Values are compared decoded (`%7C` equals `|`) and
// written back in one canonical spelling, so equal constraints always serialise alike.
import type { QueryParam } from './types.ts';

export type QueryParse = { ok: true; params: QueryParam[] } | { ok: false; reason: string };

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Splits and percent-decodes `a=1&b=2`; every item needs a non-empty name and value.
 *
 * @example
 * parseQuery('category=http://x%7Clab&code=1'); // { ok: true, params: [['category', 'http://x|lab'], ['code', '1']] }
 * parseQuery('=lab');                           // { ok: false, reason: "search parameter '=lab' has an empty name" }
 */
export function parseQuery(text: string): QueryParse {
  if (text === '') return { ok: false, reason: "empty query after '?'" };
  const params: QueryParam[] = [];
  for (const item of text.split('&')) {
    if (item === '') return { ok: false, reason: "empty search parameter (a stray '&')" };
    const eq = item.indexOf('=');
    if (eq === -1) return { ok: false, reason: `search parameter '${item}' has no '=value'` };
    if (eq === 0) return { ok: false, reason: `search parameter '${item}' has an empty name` };
    const name = decode(item.slice(0, eq));
    const value = decode(item.slice(eq + 1));
    if (name === undefined || value === undefined) {
      return { ok: false, reason: `search parameter '${item}' has malformed percent-encoding` };
    }
    if (value === '') return { ok: false, reason: `search parameter '${item.slice(0, eq)}' has an empty value` };
    params.push([name, value]);
  }
  return { ok: true, params };
}

// Characters an OAuth scope-token may hold literally (RFC 6749 section 3.3) ...
const TOKEN_CHAR = /^[\x21\x23-\x5B\x5D-\x7E]$/;
// ... less those that carry meaning inside the query.
const RESERVED_IN_VALUE = new Set(['%', '&']);
const RESERVED_IN_NAME = new Set(['%', '&', '=']);

function encode(text: string, reserved: ReadonlySet<string>): string {
  // Lone surrogates cannot be percent-encoded; they cannot come from decoding either.
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  let out = '';
  for (const ch of wellFormed) out += TOKEN_CHAR.test(ch) && !reserved.has(ch) ? ch : encodeURIComponent(ch);
  return out;
}

/**
 * The canonical query text: minimal percent-encoding (only `%`, `&`, `=` in names, and
 * characters a scope token cannot hold), so `|` and `,` are written literally.
 *
 * @example
 * formatQuery([['code', 'a|b,c d&e']]); // 'code=a|b,c%20d%26e'
 */
export function formatQuery(params: ReadonlyArray<QueryParam>): string {
  return params.map(([name, value]) => `${encode(name, RESERVED_IN_NAME)}=${encode(value, RESERVED_IN_VALUE)}`).join('&');
}

/**
 * Whether two constraints are the same parameter with the same decoded value.
 *
 * @example
 * sameParam(['code', 'a|b'], ['code', 'a|b']); // true
 */
export function sameParam(a: QueryParam, b: QueryParam): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/**
 * True when every constraint in `constraints` also appears in `params`.
 *
 * @example
 * includesAll([['a', '1'], ['b', '2']], [['a', '1']]); // true
 */
export function includesAll(params: ReadonlyArray<QueryParam>, constraints: ReadonlyArray<QueryParam>): boolean {
  return constraints.every((c) => params.some((p) => sameParam(p, c)));
}

/**
 * An order-independent key for a constraint set, for grouping and equality.
 *
 * @example
 * queryKey([['b', '2'], ['a', '1']]) === queryKey([['a', '1'], ['b', '2']]); // true
 */
export function queryKey(params: ReadonlyArray<QueryParam>): string {
  return [...new Set(params.map((p) => formatQuery([p])))].sort().join('&');
}
