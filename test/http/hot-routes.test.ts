import { afterAll, beforeAll, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { formBody } from '../../src/http/form.ts';
import { parseForm, withHotRoutes } from '../../src/http/hot-routes.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { assertionForm, clientAssertion } from '../helpers/assertions.ts';
import { authorize, basic, GROWTH_CHART_REDIRECT, newLaunch, SECRETS } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fhirServerAuth, growthChartAuth, launchTokens } from './token-lifecycle-support.ts';

/**
 * POST /token and /introspect take a lean path before express
 * (src/http/hot-routes.ts); a query string or an unusual body sends the same
 * request through express. Both must answer alike, byte for byte but for the
 * request id.
 */
const FORM = 'application/x-www-form-urlencoded';

const BODIES = [
  '',
  'grant_type=client_credentials',
  'grant_type=client_credentials&grant_type=refresh_token',
  'grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fgrowth-chart.example.org%2Fcallback',
  'grant_type=refresh_token&refresh_token=%E0%A4%A&x=%zz',
  'grant_type=refresh+token&&&=&scope=a+b%20c',
  'grant_type[x]=1&__proto__=x&constructor=y',
  'grant_type=password&username=u&password=p',
  'token=',
  'token=a.b.c&token_type_hint=access_token',
  'token=abc&token=def',
  `token=${'x'.repeat(70_000)}`,
  Array.from({ length: 60 }, (_, i) => `p${i}=v`).join('&'),
  `grant_type=client_credentials&pad=${'y'.repeat(70 * 1024)}`,
];

const normalise = (headers: Headers) =>
  Object.fromEntries([...headers].filter(([name]) => !['date', 'x-request-id', 'etag', 'connection', 'keep-alive'].includes(name)));

describeEachDatabase('hot routes', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
    return { status: res.status, headers: normalise(res.headers), body: await res.text() };
  };

  for (const path of ['/token', '/introspect']) {
    it(`answers ${path} exactly as express does, for ${BODIES.length} odd and plain bodies`, async () => {
      const auth: Record<string, string> = path === '/introspect' ? { authorization: basic('fhir-server', SECRETS['fhir-server']) } : {};
      for (const body of BODIES) {
        const lean = await post(path, body, auth);
        const viaExpress = await post(`${path}?via=express`, body, auth);
        expect(lean, `${path} ${body.slice(0, 80)}`).toEqual(viaExpress);
        expect(lean.status).toBeLessThan(500);
      }
    });
  }

  it('answers an introspection from memory exactly as express does, and counts it', async () => {
    const { tokens } = await launchTokens(server);
    const auth = fhirServerAuth();
    const body = `token=${String(tokens.access_token)}&token_type_hint=access_token`;
    const fromMemory = () => server.deps.metrics.registry.getSingleMetricAsString('smart_introspections_from_memory_total');
    const first = await post('/introspect', body, auth);
    const before = await fromMemory();
    const cached = await post('/introspect', body, auth);
    const viaExpress = await post('/introspect?via=express', body, auth);
    expect(JSON.parse(cached.body)).toMatchObject({ active: true, patient: 'p001' });
    expect(cached).toEqual(viaExpress);
    expect(first).toEqual(viaExpress);
    expect(await fromMemory()).not.toBe(before);
    // With the token and the credentials cached, anything but a plain body is the router's to answer.
    const token = String(tokens.access_token);
    const odd = [
      `token=${token}&token=${token}`,
      `token=${token}&token_type_hint=access_token&token_type_hint=refresh_token`,
      `token=${token}&token_type_hint=${'h'.repeat(5000)}`,
      `token=${token}&token_type_hint=%00`,
      `token=${token}&client_id=growth-chart`,
      `token=${token}&client_secret=x`,
      `token_type_hint=access_token`,
    ];
    for (const variant of odd) {
      const lean = await post('/introspect', variant, auth);
      expect(lean, variant.slice(-60)).toEqual(await post('/introspect?via=express', variant, auth));
      expect(lean.status).toBeLessThan(500);
    }
    expect((await post('/introspect', `token=${token}&client_id=growth-chart`, auth)).status).toBe(401);

    // Other credentials (a wrong secret) are checked in full, never answered from memory.
    const wrong = await post('/introspect', body, { authorization: basic('fhir-server', 'not-the-secret-0123456789abcdef') });
    expect(wrong.status).toBe(401);
  });

  it('issues tokens of every grant without express exactly as through it, and fails them alike', async () => {
    const backendToken = async (path: string, assertion?: string) =>
      post(path, new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(assertion ?? (await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-es384-1'))) }).toString());
    const shape = (answer: Awaited<ReturnType<typeof post>>) => ({ status: answer.status, headers: answer.headers, keys: Object.keys(JSON.parse(answer.body) as object).sort() });
    const tokenAnswersCounted = async () => {
      const text = await server.deps.metrics.registry.getSingleMetricAsString('smart_http_request_duration_seconds');
      return Number(/_count\{method="POST",route="\/token",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };

    const before = await tokenAnswersCounted();
    const lean = await backendToken('/token');
    // Counted under its route, as the router's answers are.
    expect(await tokenAnswersCounted()).toBe(before + 1);
    const viaExpress = await backendToken('/token?via=express');
    expect(lean.status).toBe(200);
    expect(shape(lean)).toEqual(shape(viaExpress));

    // A replayed assertion: the same refusal either way (the error handler's, with the router's headers).
    const assertion = await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-rs384-1');
    expect((await backendToken('/token', assertion)).status).toBe(200);
    const replayed = await backendToken('/token', assertion);
    expect(replayed.status).toBe(401);
    expect(replayed).toEqual(await backendToken('/token?via=express', assertion));

    // Codes from the real pages, redeemed without express and through it.
    const redeem = async (path: string) => {
      const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
      const { redirect, verifier } = await authorize(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch openid fhirUser offline_access patient/*.rs', launch });
      const form = { grant_type: 'authorization_code', code: redirect.searchParams.get('code') ?? '', redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier };
      const body = new URLSearchParams(form).toString();
      return { answer: await post(path, body, growthChartAuth()), body };
    };
    const code = await redeem('/token');
    expect(code.answer.status).toBe(200);
    const codeViaExpress = await redeem('/token?via=express');
    expect(shape(code.answer)).toEqual(shape(codeViaExpress.answer));
    // A code used twice: the same refusal either way (and its grant revoked).
    const reusedCode = await post('/token', code.body, growthChartAuth());
    expect(reusedCode.status).toBe(400);
    expect(reusedCode).toEqual(await post('/token?via=express', code.body, growthChartAuth()));

    // A refresh token, rotated without express and through it.
    const tokens = JSON.parse(codeViaExpress.answer.body) as Record<string, unknown>;
    const refreshBody = `grant_type=refresh_token&refresh_token=${encodeURIComponent(String(tokens.refresh_token))}`;
    const refreshed = await post('/token', refreshBody, growthChartAuth());
    expect(refreshed.status).toBe(200);
    const next = JSON.parse(refreshed.body) as Record<string, unknown>;
    expect(next).toMatchObject({ patient: 'p001', token_type: 'Bearer' });
    const refreshedViaExpress = await post('/token?via=express', `grant_type=refresh_token&refresh_token=${encodeURIComponent(String(next.refresh_token))}`, growthChartAuth());
    expect(shape(refreshed)).toEqual(shape(refreshedViaExpress));
    // Reuse of a rotated refresh token is refused the same way on both paths.
    const reused = await post('/token', refreshBody, growthChartAuth());
    expect(reused.status).toBe(400);
    expect(reused).toEqual(await post('/token?via=express', refreshBody, growthChartAuth()));
  });

  it('answers odd client credentials at /token exactly as express does', async () => {
    const headers: Record<string, string>[] = [
      { authorization: 'Basic' },
      { authorization: 'Basic !!!' },
      { authorization: `Basic ${Buffer.from('growth-chart\0:x').toString('base64')}` },
      { authorization: `Basic ${Buffer.from('growth-chart:wrong').toString('base64')}` },
      { authorization: 'Bearer abc' },
      { authorization: basic('growth-chart', SECRETS['growth-chart']), cookie: 'a=%00' },
    ];
    for (const header of headers)
      for (const body of ['grant_type=client_credentials', 'grant_type=refresh_token&refresh_token=x', 'grant_type=authorization_code&client_secret=x']) {
        const lean = await post('/token', body, header);
        expect(lean, `${JSON.stringify(header)} ${body}`).toEqual(await post('/token?via=express', body, header));
        expect(lean.status).toBeGreaterThanOrEqual(400);
        expect(lean.status).toBeLessThan(500);
      }
  });

  it('leaves a browser\'s token request (Origin) to the router and its CORS', async () => {
    const origin = new URL(GROWTH_CHART_REDIRECT).origin;
    const body = 'grant_type=client_credentials';
    const lean = await post('/token', body, { origin });
    expect(lean).toEqual(await post('/token?via=express', body, { origin }));
    expect(lean.headers['access-control-allow-origin']).toBe(origin);
  });

  it('sends the same security headers as every other endpoint, and no-store', async () => {
    const token = await post('/token', 'grant_type=client_credentials');
    const discovery = await fetch(`${server.baseUrl}/.well-known/smart-configuration`);
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'cross-origin-resource-policy'])
      expect(token.headers[name] ?? null, name).toBe(discovery.headers.get(name)); // absent on both (HSTS over http) counts as the same
    expect(token.headers['cache-control']).toBe('no-store');
  });
});

it('reads a form as body-parser does (plus is a space, malformed escapes stay, repeats become arrays)', () => {
  expect(parseForm('a=1+2&b=%41%zz&a=3&&=x&c')).toEqual({ a: ['1 2', '3'], b: '%41%zz', c: '' });
  expect(parseForm('x=%C3%A9')).toEqual({ x: 'é' });
  expect(Object.getPrototypeOf(parseForm('__proto__=1'))).toBe(Object.prototype);
});

it('answers through the router when an answer from memory fails, and the process stays up', async () => {
  const app = express();
  const router = express.Router();
  const limits = { limitBytes: 1024, parameterLimit: 10 };
  router.post('/x', formBody(limits), (req, res) => void res.json({ via: 'router', body: req.body as unknown }));
  const listener = withHotRoutes({
    app,
    routes: new Map([['/x', { router, ...limits, cached: () => { throw new Error('a fault in the cached path'); } }]]),
    before: [],
    securityHeaders: (_req, _res, next) => next(),
    logger: pino({ level: 'silent' }),
    metrics: { observeRequest: () => {} } as never,
  });
  const server = createServer(listener).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', headers: { 'content-type': FORM }, body: 'a=1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ via: 'router', body: { a: '1' } });
  } finally {
    server.close();
  }
});
