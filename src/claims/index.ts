// Claim rules (smart-config/claims.json) and the issue-tokens hook: a pure core the token endpoint calls.
// DESIGN.md "Claim rules": reserved names are refused at load; a missing source value omits the claim.

export type { ClaimInput, ClaimMap, ClaimSet, ClaimTarget, ClaimValue, GrantType, LaunchType } from './types.ts';
export { RESERVED } from './reserved.ts';
export { claimRulesFileSchema, type ClaimRule, type ClaimRuleWhen, type ClaimRulesFile } from './schema.ts';
export { resolveTemplate } from './template.ts';
export {
  compileClaimRules,
  evaluateClaimRules,
  mergeCustomClaims,
  type CompiledClaimRules,
} from './evaluate.ts';
export {
  issueTokensEventFrom,
  loadIssueHook,
  runIssueHook,
  type ClaimWriter,
  type HookApi,
  type IssueHook,
  type IssueHookResult,
  type IssueTokensEvent,
} from './hook.ts';
