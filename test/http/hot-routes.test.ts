import { afterAll, beforeAll, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { formBody } from '../../src/http/form.ts';
import { parseForm, withHotRoutes } from '../../src/http/hot-routes.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { basic, SECRETS } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fhirServerAuth, launchTokens } from './token-lifecycle-support.ts';

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
