import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, basic } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { introspection, launchTokens, refresh, refuseServerErrors, type Json } from './token-lifecycle-support.ts';

const ADMIN_SECRET = 'metrics-test-admin-secret-0123456789abcdef';

/** Prometheus text → samples; `sample(name, labels)` sums the series whose labels include `labels`. */
function parseMetrics(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const sample = (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  return { samples, sample };
}

describeEachDatabase('metrics', (kind) => {
  refuseServerErrors();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: (config) => {
        config.metrics.port = 0;
        config.clients.push({
          ...config.clients.find((c) => c.id === 'fhir-server')!,
          id: 'ops-console',
          name: 'Operations console',
          secret: ADMIN_SECRET,
          roles: ['admin'] as never,
        });
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: basic('ops-console', ADMIN_SECRET) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    return { text, ...parseMetrics(text) };
  };

  it('is readable by an admin client only', async () => {
    const anonymous = await fetch(`${server.baseUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as Json).error).toBe('invalid_client');
    const wrongSecret = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: basic('ops-console', 'x'.repeat(40)) } });
    expect(wrongSecret.status).toBe(401);
    const notAdmin = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: basic('fhir-server', SECRETS['fhir-server']) } });
    expect(notAdmin.status).toBe(403);
    expect((await scrape()).sample('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts a flow: requests per route, tokens issued per grant, refresh reuse, introspections', async () => {
    const before = await scrape();
    const { tokens } = await launchTokens(server);
    const refreshed = (await (await refresh(server, { refresh_token: String(tokens.refresh_token) })).json()) as Json;
    expect((await introspection(server, refreshed.access_token)).active).toBe(true);
    const fhirRead = (authorization?: string) =>
      fetch(`${server.config.fhirBaseUrl}/Patient/p001`, { headers: authorization ? { authorization } : {} });
    expect((await fhirRead(`Bearer ${String(refreshed.access_token)}`)).status).toBe(200);
    expect((await fhirRead()).status).toBe(401);
    const replay = await refresh(server, { refresh_token: String(tokens.refresh_token) });
    expect(replay.status).toBe(400);
    expect((await introspection(server, refreshed.access_token)).active).toBe(false);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => after.sample(name, labels) - before.sample(name, labels);

    for (const type of ['access_token', 'id_token', 'refresh_token']) {
      expect(delta('smart_tokens_issued_total', { grant_type: 'authorization_code', token_type: type })).toBe(1);
      expect(delta('smart_tokens_issued_total', { grant_type: 'refresh_token', token_type: type })).toBe(1);
    }
    expect(delta('smart_token_request_duration_seconds_count', { grant_type: 'authorization_code', outcome: 'success' })).toBe(1);
    expect(delta('smart_token_request_duration_seconds_count', { grant_type: 'refresh_token', outcome: 'success' })).toBe(1);
    expect(delta('smart_token_request_duration_seconds_count', { grant_type: 'refresh_token', outcome: 'invalid_grant' })).toBe(1);
    expect(delta('smart_refresh_token_reuse_detected_total')).toBe(1);
    expect(delta('smart_fhir_requests_total', { interaction: 'read', outcome: 'allowed' })).toBe(1);
    expect(delta('smart_fhir_requests_total', { outcome: 'unauthenticated' })).toBe(1);
    expect(delta('smart_http_request_duration_seconds_count', { route: '/fhir/{*path}', status: '200' })).toBe(1);
    expect(delta('smart_introspections_total', { result: 'active' })).toBe(1);
    expect(delta('smart_introspections_total', { result: 'inactive' })).toBe(1);
    expect(delta('smart_http_request_duration_seconds_count', { route: '/token', method: 'POST', status: '200' })).toBe(2);
    expect(delta('smart_http_request_duration_seconds_count', { route: '/token', method: 'POST', status: '400' })).toBe(1);
    expect(delta('smart_http_request_duration_seconds_count', { route: '/introspect', method: 'POST' })).toBe(2);
    expect(delta('smart_http_request_duration_seconds_count', { route: '/launches', method: 'POST', status: '201' })).toBe(1);
    // The latency histogram is filled, not just counted.
    expect(delta('smart_http_request_duration_seconds_sum', { route: '/token' })).toBeGreaterThan(0);
  });

  it('labels routes by pattern and carries no personal data', async () => {
    const { tokens } = await launchTokens(server);
    const launch = await fetch(`${server.baseUrl}/launches/not-a-real-launch-id-0123456789`, {
      headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) },
    });
    expect(launch.status).toBe(404);
    const { text, sample } = await scrape();
    expect(sample('smart_http_request_duration_seconds_count', { route: '/launches/:launch', status: '404' })).toBe(1);
    for (const personal of ['not-a-real-launch-id', 'p001', 'e001', 'dr-carter', 'pr001', String(tokens.access_token).slice(-20)])
      expect(text).not.toContain(personal);
  });

  it('reports the signing keys, the database pool (PostgreSQL) and the process', async () => {
    const { sample, samples } = await scrape();
    expect(sample('smart_signing_keys', { purpose: 'access_token', status: 'signing' })).toBe(1);
    expect(sample('smart_signing_keys', { purpose: 'id_token', status: 'signing' })).toBe(1);
    const pool = samples.filter((s) => s.name === 'smart_db_pool_connections');
    if (kind === 'postgres') expect(pool.map((s) => s.labels.state).sort()).toEqual(['idle', 'total', 'waiting']);
    else expect(pool).toEqual([]);
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
  });

  it('is also served, without credentials, on the separate metrics port', async () => {
    const res = await fetch(`${server.metricsUrl!}/metrics`);
    expect(res.status).toBe(200);
    expect(parseMetrics(await res.text()).sample('smart_introspections_total')).toBeGreaterThan(0);
    expect((await fetch(`${server.metricsUrl!}/token`)).status).toBe(404);
  });
});
