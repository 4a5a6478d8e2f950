import { z } from 'zod';
import { copyJson, isPlainObject } from './json.ts';
import { PROTO_KEY, RESERVED } from './reserved.ts';
import { compileValue, type CompiledValue, type TemplateIssue } from './template.ts';
import type { ClaimMap, ClaimTarget } from './types.ts';

/**
 * Compiles one target map (`accessToken`, ...). Reserved names and `__proto__` are reported in
 * `issues` and left out, so even an unvalidated map can never set them.
 */
export function compileClaimMap(map: unknown, target: ClaimTarget, issues: TemplateIssue[]): [string, CompiledValue][] {
  if (!isPlainObject(map)) {
    issues.push({ path: [], message: 'must be an object of claim names to values' });
    return [];
  }
  const members: [string, CompiledValue][] = [];
  for (const name of Object.keys(map)) {
    if (name === '' || name === PROTO_KEY) {
      issues.push({ path: [name], message: `"${name}" is not allowed as a claim name` });
    } else if (RESERVED[target].has(name)) {
      issues.push({ path: [name], message: `"${name}" is reserved` });
    } else {
      members.push([name, compileValue(map[name], issues, [name])]);
    }
  }
  return members;
}

function claimMapSchema(target: ClaimTarget) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const issues: TemplateIssue[] = [];
      compileClaimMap(value, target, issues);
      for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
    })
    .transform((value) => copyJson(value) as ClaimMap)
    .optional();
}

const oneOrMore = <T extends z.ZodType>(item: T, key: string) =>
  z.array(item).min(1, `list at least one entry, or leave "${key}" out to match any`).optional();

const whenSchema = z.strictObject({
  /** Client ids; any one matches. */
  clients: oneOrMore(z.string().min(1, 'must be a client id'), 'clients'),
  /** The token's `aud`; compared without trailing slashes. */
  audiences: oneOrMore(z.string().min(1, 'must be an audience URL'), 'audiences'),
  grants: oneOrMore(
    z.enum(['authorization_code', 'refresh_token', 'client_credentials'], {
      error: 'must be "authorization_code", "refresh_token" or "client_credentials"',
    }),
    'grants',
  ),
  /** Every listed scope must be granted. */
  scopes: oneOrMore(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be one scope token (no spaces)'), 'scopes'),
  /** A client_credentials grant has no launch, so never matches a rule with `launch`. */
  launch: z.enum(['ehr', 'standalone'], { error: 'must be "ehr" or "standalone"' }).optional(),
});

const ruleSchema = z
  .strictObject({
    description: z.string().optional(),
    when: whenSchema.prefault({}),
    accessToken: claimMapSchema('accessToken'),
    idToken: claimMapSchema('idToken'),
    userinfo: claimMapSchema('userinfo'),
    tokenResponse: claimMapSchema('tokenResponse'),
  })
  .refine((rule) => rule.accessToken ?? rule.idToken ?? rule.userinfo ?? rule.tokenResponse, {
    error: 'a rule must set at least one of accessToken, idToken, userinfo, tokenResponse',
  });

/**
 * Schema of smart-config/claims.json. Issue paths name the place (`rules[2].accessToken.iss`) and
 * messages the problem (`"iss" is reserved`).
 *
 * @example
 *   const result = claimRulesFileSchema.safeParse(JSON.parse(text));
 *   if (!result.success) console.error(result.error.issues[0]); // { path: ['rules', 2, 'accessToken', 'iss'], message: '"iss" is reserved', ... }
 */
export const claimRulesFileSchema = z.strictObject({ rules: z.array(ruleSchema) });

export type ClaimRulesFile = z.output<typeof claimRulesFileSchema>;
export type ClaimRule = ClaimRulesFile['rules'][number];
export type ClaimRuleWhen = ClaimRule['when'];
