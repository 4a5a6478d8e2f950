import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  issueTokensEventFrom,
  loadIssueHook,
  runIssueHook,
  type IssueHook,
  type IssueTokensEvent,
} from '../../src/claims/index.ts';
import { backendInput, ehrInput } from './fixtures.ts';

const event = (): IssueTokensEvent => issueTokensEventFrom(ehrInput());
const run = (hook: IssueHook, timeoutMs = 200, e = event()) => runIssueHook(hook, e, { timeoutMs });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runIssueHook', () => {
  it('collects claims the hook sets, per target', async () => {
    const result = await run((e, api) => {
      api.accessToken.set('department', 'cardiology');
      api.accessToken.set('seen', { patient: e.context.patient, scopes: e.scopes });
      api.idToken.set('org', 'org-7');
      api.tokenResponse.set('api_uri', 'https://eu.api.example.org');
    });
    expect(result).toEqual({
      outcome: 'ok',
      claims: {
        accessToken: { department: 'cardiology', seen: { patient: 'p123', scopes: ['launch', 'openid', 'fhirUser', 'patient/*.rs'] } },
        idToken: { org: 'org-7' },
        tokenResponse: { api_uri: 'https://eu.api.example.org' },
      },
    });
  });

  it('awaits an async hook', async () => {
    const result = await run(async (_e, api) => {
      await sleep(5);
      api.accessToken.set('late', true);
    });
    expect(result).toEqual({ outcome: 'ok', claims: { accessToken: { late: true }, idToken: {}, tokenResponse: {} } });
  });

  it('reports a deny with its reason, the first one winning', async () => {
    const result = await run((_e, api) => {
      api.accessToken.set('x', 1);
      api.deny('user account is suspended');
      api.deny('second');
    });
    expect(result).toEqual({ outcome: 'denied', reason: 'user account is suspended' });
  });

  it('gives a deny without a usable reason a default one', async () => {
    const result = await run((_e, api) => api.deny(undefined as unknown as string));
    expect(result).toEqual({ outcome: 'denied', reason: 'denied by the issue-tokens hook' });
  });

  it.each([
    ['accessToken', 'iss'],
    ['accessToken', 'scope'],
    ['idToken', 'nonce'],
    ['tokenResponse', 'access_token'],
    ['tokenResponse', 'expires_in'],
  ] as const)('reports a guard violation when the hook sets the reserved %s name "%s"', async (target, name) => {
    const result = await run((_e, api) => api[target].set(name, 'x'));
    expect(result).toEqual({ outcome: 'guard_violation', reason: `${target}.set: "${name}" is reserved` });
  });

  it.each([
    ['a function', () => 1],
    ['undefined', undefined],
    ['a bigint', 10n],
    ['null', null],
    ['NaN', Number.NaN],
    ['a nested function', { a: [1, () => 1] }],
    ['a Date', new Date(0)],
    ['a circular object', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })()],
  ])('reports a guard violation for a non-JSON value: %s', async (_label, value) => {
    const result = await run((_e, api) => api.accessToken.set('x', value));
    expect(result.outcome).toBe('guard_violation');
  });

  it('reports a guard violation for a __proto__ or empty name, even when the hook catches nothing', async () => {
    expect((await run((_e, api) => api.accessToken.set('__proto__', { polluted: true }))).outcome).toBe('guard_violation');
    expect((await run((_e, api) => api.idToken.set('', 1))).outcome).toBe('guard_violation');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports a guard violation over a later deny', async () => {
    const result = await run((_e, api) => {
      api.tokenResponse.set('token_type', 'mac');
      api.deny('no');
    });
    expect(result.outcome).toBe('guard_violation');
  });

  it('reports a throwing hook as failed, sync or async, whatever was thrown', async () => {
    expect(await run(() => { throw new Error('boom'); })).toEqual({ outcome: 'failed', reason: 'onIssueTokens threw: boom' });
    expect(await run(async () => Promise.reject(new TypeError('async boom')))).toEqual({ outcome: 'failed', reason: 'onIssueTokens threw: async boom' });
    expect((await run(() => { throw { toString: () => { throw new Error('nested'); } }; })).outcome).toBe('failed');
    expect((await run(42 as unknown as IssueHook)).outcome).toBe('failed');
  });

  it('reports a hook running past the timeout as failed, and ignores what it does afterwards', async () => {
    let lateSet = false;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const result = await run(async (_e, api) => {
      await held;
      api.accessToken.set('late', 1);
      api.deny('late');
      lateSet = true;
    }, 50);
    expect(result).toEqual({ outcome: 'failed', reason: 'onIssueTokens did not finish within 50 ms' });
    // The answer came at the timeout, while the hook was still waiting (no wall-clock bound: a loaded machine is slow).
    expect(lateSet).toBe(false);
    release();
    await sleep(0);
    expect(lateSet).toBe(true);
    expect(result).toEqual({ outcome: 'failed', reason: 'onIssueTokens did not finish within 50 ms' });
  });

  it('hands the hook a frozen deep copy of the event', async () => {
    const original = event();
    let seen: IssueTokensEvent | undefined;
    expect((await run((e) => { seen = e; }, 200, original)).outcome).toBe('ok');
    expect(seen).toEqual(original);
    expect(seen).not.toBe(original);
    expect(seen?.context).not.toBe(original.context);
    expect(Object.isFrozen(seen)).toBe(true);
    expect(Object.isFrozen(seen?.user?.attributes.roles)).toBe(true);
    expect(Object.isFrozen(original.context)).toBe(false);

    // Assigning to a frozen object throws in ES modules (strict mode): the grant fails, service state is intact.
    const result = await run((e) => { (e.context as Record<string, unknown>).patient = 'other'; }, 200, original);
    expect(result.outcome).toBe('failed');
    expect(original.context.patient).toBe('p123');
  });

  it('keeps the value set, not what the hook changes later', async () => {
    const result = await run((_e, api) => {
      const roles = ['a'];
      api.accessToken.set('roles', roles);
      roles.push('b');
    });
    expect(result.outcome === 'ok' && result.claims.accessToken.roles).toEqual(['a']);
  });
});

describe('issueTokensEventFrom', () => {
  it('lists the granted scopes and drops the launch type of a client_credentials grant', () => {
    expect(issueTokensEventFrom(ehrInput()).scopes).toEqual(['launch', 'openid', 'fhirUser', 'patient/*.rs']);
    expect(issueTokensEventFrom(backendInput({ launchType: 'ehr' })).launchType).toBeUndefined();
  });
});

describe('loadIssueHook', () => {
  const examplePath = fileURLToPath(new URL('../../smart-config/examples/hooks/example-hook.ts', import.meta.url));

  it('loads the example hook, which adds department, denies suspended users and tags one client', async () => {
    const hook = await loadIssueHook(examplePath);
    const withDepartment = issueTokensEventFrom(ehrInput({ user: { id: 'u', attributes: { department: 'cardiology' } } }));
    expect(await runIssueHook(hook, withDepartment, { timeoutMs: 200 })).toEqual({
      outcome: 'ok',
      claims: { accessToken: { department: 'cardiology' }, idToken: {}, tokenResponse: {} },
    });

    const suspended = issueTokensEventFrom(ehrInput({ user: { id: 'u', attributes: { department: 'x', suspended: true } } }));
    expect(await runIssueHook(hook, suspended, { timeoutMs: 200 })).toEqual({ outcome: 'denied', reason: 'user account is suspended' });

    expect(await runIssueHook(hook, issueTokensEventFrom(backendInput()), { timeoutMs: 200 })).toEqual({
      outcome: 'ok',
      claims: { accessToken: {}, idToken: {}, tokenResponse: { api_region: 'eu' } },
    });
  });

  it('throws a clear error for a missing module or a missing export', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'claims-hook-'));
    await expect(loadIssueHook(path.join(dir, 'nope.mjs'))).rejects.toThrow(/issue-tokens hook .*nope\.mjs: cannot be loaded/);
    const noExport = path.join(dir, 'no-export.mjs');
    writeFileSync(noExport, 'export const somethingElse = 1;\n');
    await expect(loadIssueHook(noExport)).rejects.toThrow(/must export a function onIssueTokens\(event, api\)/);
  });
});
