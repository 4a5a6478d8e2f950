import { z } from 'zod';
import { oauthError, type OAuthErrorCode } from '../oauth/errors.ts';

/**
 * Validates input at the edge with a zod schema. A failure becomes an
 * OAuthError (invalid_request unless told otherwise) naming the parameter.
 *
 * @example
 *   const body = parseInput(tokenRequestSchema, req.body);
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: OAuthErrorCode = 'invalid_request',
): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.map(String).join('.');
  throw oauthError(code, name ? `${name}: ${issue.message}` : issue.message);
}

/**
 * One OAuth request parameter: present, a single string (RFC 6749 §3.1: parameters
 * MUST NOT repeat, and a repeated form field arrives as an array), not empty.
 */
export function oauthParam() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be sent once, as a string') })
    .min(1, 'must not be empty')
    .max(4096, 'is too long');
}

/** The same, where the parameter may be absent. */
export function optionalParam() {
  return oauthParam().optional();
}
