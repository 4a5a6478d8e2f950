import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MISSING, claimValueProblem, copyJson, deepFreeze } from './json.ts';
import { PROTO_KEY, RESERVED } from './reserved.ts';
import { scopeList } from '../scopes/index.ts';
import type { ClaimInput, ClaimSet, GrantType, LaunchType } from './types.ts';

/** What the issue-tokens hook sees: a frozen deep copy, so it cannot change service state. */
export interface IssueTokensEvent {
  client: { id: string; name: string; metadata: Record<string, unknown> };
  user?: { id: string; fhirUser?: string; attributes: Record<string, unknown> };
  grant: { type: GrantType; scope: string };
  /** The granted scopes, one per entry. */
  scopes: string[];
  context: Record<string, unknown>;
  audience: string;
  launchType?: LaunchType;
}

/** Adds one claim; reserved names and non-JSON values make the grant fail with invalid_request. */
export interface ClaimWriter {
  set(name: string, value: unknown): void;
}

export interface HookApi {
  readonly accessToken: ClaimWriter;
  readonly idToken: ClaimWriter;
  readonly tokenResponse: ClaimWriter;
  /** Refuses the grant; the first reason given is kept. */
  deny(reason: string): void;
}

/** `onIssueTokens(event, api)` exported by the module named in server.json `hooks.module`. */
export type IssueHook = (event: IssueTokensEvent, api: HookApi) => unknown | Promise<unknown>;

type HookClaims = Pick<ClaimSet, 'accessToken' | 'idToken' | 'tokenResponse'>;

export type IssueHookResult =
  | { outcome: 'ok'; claims: HookClaims }
  | { outcome: 'denied'; reason: string }
  | { outcome: 'guard_violation'; reason: string }
  | { outcome: 'failed'; reason: string };

const MAX_REASON_LENGTH = 256;

/**
 * Imports the hook module and returns its `onIssueTokens` export.
 *
 * @example
 *   const hook = await loadIssueHook(config.hooks.modulePath); // throws Error naming the file and the problem
 */
export async function loadIssueHook(modulePath: string): Promise<IssueHook> {
  const absolute = path.resolve(modulePath);
  let module: Record<string, unknown>;
  try {
    module = (await import(/* @vite-ignore */ pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`issue-tokens hook ${absolute}: cannot be loaded (${describe(error)})`, { cause: error });
  }
  const hook = module.onIssueTokens;
  if (typeof hook !== 'function')
    throw new Error(`issue-tokens hook ${absolute}: must export a function onIssueTokens(event, api)`);
  return hook as IssueHook;
}

/**
 * Builds the hook's event from the same input the claim rules see.
 *
 * @example
 *   const result = await runIssueHook(hook, issueTokensEventFrom(input), { timeoutMs: 200 });
 */
export function issueTokensEventFrom(input: ClaimInput): IssueTokensEvent {
  return {
    client: input.client,
    ...(input.user && { user: input.user }),
    grant: input.grant,
    scopes: scopeList(input.grant.scope),
    context: input.context,
    audience: input.audience,
    ...(input.launchType && input.grant.type !== 'client_credentials' && { launchType: input.launchType }),
  };
}

/**
 * Runs the hook on a frozen copy of `event`. Never throws: a deny, a guard violation (reserved name,
 * non-JSON value), an exception or a timeout each come back as an outcome.
 * A synchronous hook that never returns cannot be interrupted; keep hooks short.
 *
 * @example
 *   const result = await runIssueHook(hook, event, { timeoutMs: 200 });
 *   if (result.outcome === 'ok') accessClaims = mergeCustomClaims(accessClaims, result.claims.accessToken);
 */
export async function runIssueHook(
  hook: IssueHook,
  event: IssueTokensEvent,
  options: { timeoutMs: number },
): Promise<IssueHookResult> {
  const state: { open: boolean; denied?: string; violation?: string } = { open: true };
  const claims: HookClaims = { accessToken: {}, idToken: {}, tokenResponse: {} };
  const writer = (target: keyof HookClaims): ClaimWriter =>
    Object.freeze({
      set(name: string, value: unknown) {
        if (!state.open || state.violation !== undefined) return;
        try {
          const problem = guardProblem(target, name, value);
          const copy = problem ? MISSING : copyJson(value);
          if (problem || copy === MISSING) state.violation = problem ?? `${target}.set: value is not JSON`;
          else claims[target][name as string] = copy;
        } catch (error) {
          state.violation = `${target}.set: value cannot be read (${describe(error)})`;
        }
      },
    });
  const api: HookApi = Object.freeze({
    accessToken: writer('accessToken'),
    idToken: writer('idToken'),
    tokenResponse: writer('tokenResponse'),
    deny(reason: string) {
      if (state.open && state.denied === undefined) state.denied = denyReason(reason);
    },
  });

  const timeoutMs = Math.max(1, Number.isFinite(options.timeoutMs) ? options.timeoutMs : 1);
  const settled = await new Promise<{ error?: unknown; timedOut?: true }>((resolve) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
    const done = (outcome: { error?: unknown }) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    try {
      const copy = copyJson(event, { keepNull: true });
      if (copy === MISSING) throw new TypeError('the event is not a plain object');
      const frozenEvent = deepFreeze(copy as IssueTokensEvent);
      Promise.resolve(hook(frozenEvent, api)).then(
        () => done({}),
        (error: unknown) => done({ error }),
      );
    } catch (error) {
      done({ error });
    }
  });
  state.open = false;

  if (state.violation !== undefined) return { outcome: 'guard_violation', reason: state.violation };
  if (state.denied !== undefined) return { outcome: 'denied', reason: state.denied };
  if (settled.timedOut) return { outcome: 'failed', reason: `onIssueTokens did not finish within ${timeoutMs} ms` };
  if ('error' in settled) return { outcome: 'failed', reason: `onIssueTokens threw: ${describe(settled.error)}` };
  return { outcome: 'ok', claims };
}

function guardProblem(target: keyof HookClaims, name: unknown, value: unknown): string | undefined {
  if (typeof name !== 'string' || name === '' || name === PROTO_KEY)
    return `${target}.set: ${safeString(name)} is not a valid claim name`;
  if (RESERVED[target].has(name)) return `${target}.set: "${name}" is reserved`;
  const problem = claimValueProblem(value);
  return problem && `${target}.set("${name}"): value ${problem}`;
}

function denyReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.replace(/[\p{Cc}]/gu, ' ').trim() : '';
  return text === '' ? 'denied by the issue-tokens hook' : text.slice(0, MAX_REASON_LENGTH);
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unprintable value';
  }
}

function safeString(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `a ${typeof value}`;
}
