import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConformanceConfig, type ConformanceConfig } from '../../conformance/config.ts';
import { formatSummary, runSuite, type SuiteReport } from '../../conformance/suite.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { FAULTS, startStandIn, type FaultName } from './broken-stand-in.ts';

// The service answers under the stand-in's address (its ISSUER), so every URL in
// its documents and redirects goes through the stand-in, which breaks one rule per fault.
describe('npm run conformance', () => {
  let standIn: Awaited<ReturnType<typeof startStandIn>>;
  let server: TestServer;
  let config: ConformanceConfig;
  beforeAll(async () => {
    standIn = await startStandIn();
    server = await startTestServer('pglite', { env: { ISSUER: standIn.url } });
    standIn.target(server.baseUrl);
    config = loadConformanceConfig(standIn.url, undefined);
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });

  async function runWith(faults: FaultName[], only?: string[]): Promise<SuiteReport> {
    standIn.faults.splice(0, standIn.faults.length, ...faults.map((name) => ({ ...FAULTS[name] })));
    return runSuite(standIn.url, config, only ? { only } : {});
  }
  const failedNames = (report: SuiteReport) => report.results.filter((r) => r.outcome === 'failed').map((r) => r.name);
  const name = (fragment: string) => expect.stringContaining(fragment);

  it('passes every case against this service, configured from smart-config/ alone', async () => {
    const report = await runWith([]);
    expect(report.results.filter((r) => r.outcome !== 'passed'), formatSummary(report)).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(20);
    expect(formatSummary(report)).toBe(`${report.passed} passed, 0 failed`);
  }, 300_000);

  it('catches discovery, PKCE, state, code replay, introspection, grant type and assertion replay faults', async () => {
    const report = await runWith(['plainAdvertised', 'pkceNotRequired', 'stateMangled', 'codeReplayAccepted', 'introspectionSaysActive', 'unsupportedGrantIs500', 'assertionReplayAccepted']);
    for (const fragment of ['S256 and not plain', 'without code_challenge', 'plain is refused', 'wrong code_verifier', 'state comes back',
      'redeemed twice', 'unknown or malformed token', 'unsupported grant_type', 'used twice (same jti)'])
      expect(failedNames(report), fragment).toContainEqual(name(fragment));
    expect(failedNames(report)).toHaveLength(9);
  }, 300_000);

  it('catches aud, redirect_uri, refresh, revocation, id_token and introspection-field faults', async () => {
    const report = await runWith(['audNotChecked', 'openRedirect', 'redirectUriNotBound', 'refreshWidens', 'revocationIgnored', 'idTokenTampered', 'introspectionWithoutClientId'],
      ['aud', 'redirect_uri', 'refresh', 'revocation', 'token', 'introspection']);
    const expected = ['not this FHIR server', 'unregistered redirect_uri', 'another redirect_uri', 'never a wider scope', 'revoked refresh token',
      'id_token signed RS256', 'introspects active'];
    for (const fragment of expected) expect(failedNames(report), fragment).toContainEqual(name(fragment));
    expect(failedNames(report)).toHaveLength(expected.length);
  }, 300_000);

  it('catches token responses without no-store headers or without expires_in', async () => {
    const report = await runWith(['cacheableTokensForPublicClients', 'noExpiresInForBasicClients'], ['token']);
    const reasons = Object.fromEntries(report.results.map((r) => [r.name, r.reason ?? '']));
    expect(reasons[report.results.find((r) => r.name.startsWith('public client'))!.name]).toMatch(/Cache-Control/);
    expect(reasons[report.results.find((r) => r.name.startsWith('symmetric client'))!.name]).toMatch(/expires_in/);
  }, 300_000);
});
