import { MISSING } from './json.ts';
import { PROTO_KEY } from './reserved.ts';
import { scopeSet } from '../scopes/index.ts';
import { compileClaimMap, type ClaimRule, type ClaimRuleWhen } from './schema.ts';
import { evaluateValue, type CompiledValue } from './template.ts';
import { CLAIM_TARGETS, type ClaimInput, type ClaimSet, type ClaimTarget, type LaunchType } from './types.ts';

/** Rules compiled once; `evaluate` runs on every token request. */
export interface CompiledClaimRules {
  readonly size: number;
  evaluate(input: ClaimInput): ClaimSet;
}

interface CompiledRule {
  clients?: ReadonlySet<string>;
  audiences?: ReadonlySet<string>;
  grants?: ReadonlySet<string>;
  scopes?: readonly string[];
  launch?: LaunchType;
  targets: [ClaimTarget, [string, CompiledValue][]][];
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Compiles validated rules (the output of `claimRulesFileSchema`) so evaluation only matches and
 * reads values. Reserved names are skipped even if the rules did not pass the schema.
 *
 * @example
 *   const compiled = compileClaimRules(config.claimRules);
 *   const claims = compiled.evaluate(input); // { accessToken: { roles: [...] }, idToken: {}, userinfo: {}, tokenResponse: {} }
 */
export function compileClaimRules(rules: readonly ClaimRule[]): CompiledClaimRules {
  const compiled = rules.map(compileRule);
  const needsScopes = compiled.some((rule) => rule.scopes);
  return {
    size: compiled.length,
    evaluate(input) {
      const claims: ClaimSet = { accessToken: {}, idToken: {}, userinfo: {}, tokenResponse: {} };
      const granted = needsScopes ? scopeSet(input.grant.scope) : undefined;
      const audience = trimSlash(input.audience);
      // SMART App Launch: a backend services (client_credentials) grant has no launch.
      const launchType = input.grant.type === 'client_credentials' ? undefined : input.launchType;
      for (const rule of compiled) {
        if (rule.clients && !rule.clients.has(input.client.id)) continue;
        if (rule.audiences && !rule.audiences.has(audience)) continue;
        if (rule.grants && !rule.grants.has(input.grant.type)) continue;
        if (rule.launch && rule.launch !== launchType) continue;
        if (rule.scopes && !rule.scopes.every((scope) => granted?.has(scope))) continue;
        for (const [target, members] of rule.targets) {
          const out = claims[target];
          for (const [name, value] of members) {
            const resolved = evaluateValue(value, input);
            // A missing value leaves an earlier rule's claim in place.
            if (resolved !== MISSING) out[name] = resolved;
          }
        }
      }
      return claims;
    },
  };
}

function compileRule(rule: ClaimRule): CompiledRule {
  const when: ClaimRuleWhen = rule.when ?? {};
  const targets: CompiledRule['targets'] = [];
  for (const target of CLAIM_TARGETS) {
    if (rule[target] !== undefined) targets.push([target, compileClaimMap(rule[target], target, [])]);
  }
  return {
    ...(when.clients && { clients: new Set(when.clients) }),
    ...(when.audiences && { audiences: new Set(when.audiences.map(trimSlash)) }),
    ...(when.grants && { grants: new Set(when.grants) }),
    ...(when.scopes && { scopes: [...when.scopes] }),
    ...(when.launch && { launch: when.launch }),
    targets,
  };
}

const compiledCache = new WeakMap<readonly ClaimRule[], CompiledClaimRules>();

/**
 * Applies claim rules in file order (a later rule overrides an earlier rule's claim) and returns
 * the custom claims per target. Compiles on first use and caches by the `rules` array, which is
 * treated as immutable (it is configuration).
 *
 * @example
 *   const claims = evaluateClaimRules(config.claimRules, input);
 *   const payload = mergeCustomClaims(serviceClaims, claims.accessToken);
 */
export function evaluateClaimRules(rules: readonly ClaimRule[], input: ClaimInput): ClaimSet {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = compileClaimRules(rules);
    compiledCache.set(rules, compiled);
  }
  return compiled.evaluate(input);
}

/**
 * Merges custom claims under the service's: every key the service set (with a value other than
 * `undefined`) wins, SMART context names included, so a rule can add `tenant` only where the launch
 * context has none. Returns a new plain object; `undefined` service values, `undefined` or `null`
 * custom values and `__proto__` keys are dropped.
 *
 * @example
 *   mergeCustomClaims({ sub: 'u1', patient: 'p1' }, { patient: 'x', roles: ['nurse'] });
 *   // { sub: 'u1', patient: 'p1', roles: ['nurse'] }
 */
export function mergeCustomClaims(
  serviceClaims: Record<string, unknown>,
  custom: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(serviceClaims)) {
    if (key !== PROTO_KEY && serviceClaims[key] !== undefined) merged[key] = serviceClaims[key];
  }
  for (const key of Object.keys(custom)) {
    if (key !== PROTO_KEY && !Object.hasOwn(merged, key) && custom[key] !== undefined && custom[key] !== null)
      merged[key] = custom[key];
  }
  return merged;
}
