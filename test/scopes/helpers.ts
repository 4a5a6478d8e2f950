import { parseScope, parseScopes, type Scope } from '../../src/scopes/index.ts';

/** Parses a scope the test knows to be valid. */
export function scope(text: string): Scope {
  const parsed = parseScope(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.scope;
}

/** Parses a scope string the test knows to be valid. */
export function scopes(text: string): Scope[] {
  const parsed = parseScopes(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.scopes;
}

/** RFC 6749 section 5.2: error_description holds only %x20-21 / %x23-5B / %x5D-7E. */
export const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;
