// The scope tokens of a scope string as written (RFC 6749 §3.3: space-delimited),
// for code that reads a granted or issued scope without parsing each scope.

/**
 * The scope tokens in order, without empty ones (a doubled or trailing space adds none).
 *
 * @example
 * scopeList('openid  patient/*.rs '); // ['openid', 'patient/*.rs']
 */
export function scopeList(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * The scope tokens as a set, for "was this granted" checks.
 *
 * @example
 * scopeSet('openid fhirUser').has('fhirUser'); // true
 */
export function scopeSet(text: string): Set<string> {
  return new Set(scopeList(text));
}
