// Writing scopes back out. One canonical spelling per scope, so that equal grants produce
// equal strings (token responses, introspection, stored grants).
import { v1Word } from './permission-letters.ts';
import { formatQuery } from './query.ts';
import type { ClinicalScope, Scope } from './types.ts';

/**
 * The canonical text of one scope. Clinical scopes are rebuilt: v1 spelling is kept when
 * the scope was v1 and its letters have a v1 word (`rs` read, `cud` write, `cruds` *),
 * otherwise v2 letters; query values are written with minimal percent-encoding
 * (`%7C` becomes `|`). Every other kind is written exactly as received.
 *
 * @example
 * const parsed = parseScope('patient/Observation.rs?category=a%7Cb');
 * if (parsed.ok) formatScope(parsed.scope); // 'patient/Observation.rs?category=a|b'
 */
export function formatScope(scope: Scope): string {
  return scope.kind === 'clinical' ? formatClinical(scope) : scope.raw;
}

function formatClinical(scope: ClinicalScope): string {
  const word = scope.syntax === 'v1' && scope.query.length === 0 ? v1Word(scope.permissions) : undefined;
  const query = scope.query.length > 0 ? `?${formatQuery(scope.query)}` : '';
  return `${scope.context}/${scope.resourceType}.${word ?? scope.permissions}${query}`;
}

/**
 * A space-separated scope string. Order: the order of `scopes` as given (for a grant, the
 * order in which the app requested them), with later duplicates (same canonical text) dropped.
 *
 * @example
 * const parsed = parseScopes('openid patient/*.read openid');
 * if (parsed.ok) serializeScopes(parsed.scopes); // 'openid patient/*.read'
 */
export function serializeScopes(scopes: readonly Scope[]): string {
  return [...new Set(scopes.map(formatScope))].join(' ');
}

/**
 * Drops later scopes whose canonical text repeats an earlier one.
 *
 * @example
 * // s('...') stands for a parsed scope
 * dedupeScopes([s('openid'), s('patient/*.rs'), s('openid')]); // [openid, patient/*.rs]
 */
export function dedupeScopes<S extends Scope>(scopes: readonly S[]): S[] {
  const seen = new Set<string>();
  return scopes.filter((s) => {
    const text = formatScope(s);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
