import fc from 'fast-check';
import { basic, GROWTH_CHART_REDIRECT, SECRETS } from '../helpers/oauth.ts';

/** One generated request: method, path with query, headers and raw body bytes. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** JWTs an attacker would try: alg none, HS256 "signed" with a public key, kid traversal, jku/jwk/x5u headers, junk. */
export const JWT_TRICKS = [
  `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'bulk-exporter', sub: 'bulk-exporter', aud: 'x', exp: 9999999999, jti: 'j' })}.`,
  `${b64({ alg: 'HS256', kid: 'any' })}.${b64({ sub: 'dr-carter', scope: 'system/*.rs' })}.${b64('sig')}`,
  `${b64({ alg: 'RS384', kid: '../../../../etc/passwd' })}.${b64({ sub: 'bulk-exporter' })}.${b64('sig')}`,
  `${b64({ alg: 'RS384', kid: 'k', jku: 'http://127.0.0.1:1/jwks' })}.${b64({ sub: 'bulk-exporter', iss: 'bulk-exporter' })}.${b64('s')}`,
  `${b64({ alg: 'ES384', jwk: { kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' } })}.${b64({ sub: 'cardio-risk' })}.${b64('s')}`,
  `${b64({ alg: 'RS256', x5u: 'http://127.0.0.1:1/x' })}.${b64('not json')}.${b64('s')}`,
  `${b64({ alg: 'RS384', crit: ['exp'], b64: false })}.${b64({ exp: 'soon', iat: -1, nbf: 1e308 })}.`,
  `${b64('{"alg":')}.${b64('[]')}.`,
  'e30.e30.',
  'a.b.c.d.e',
  '.'.repeat(5000),
  `${b64({ alg: 'RS384' })}.${b64({ sub: 'x'.repeat(100_000) })}.${b64('s')}`,
];

const NASTY = [
  '%00', 'a%00b', '%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%E0%A4%A', '%ZZ', '%', '\u0000'.replace('\u0000', '%00'),
  '%EF%BF%BD', '..%2F..%2Fetc%2Fpasswd', '%0D%0ASet-Cookie:%20x=1', '<script>alert(1)</script>', "' or 1=1 --", '${jndi:x}',
  '__proto__', 'constructor', '[object Object]', '-1', '1e309', 'NaN', 'null', 'true', '日本語', '😀', '\u202e',
];
const HUGE = ['x'.repeat(5000), 'y'.repeat(70_000), 'z%00'.repeat(2000), 'a&'.repeat(3000), 'openid '.repeat(3000)];
const PARAMS = [
  'grant_type', 'code', 'redirect_uri', 'client_id', 'client_secret', 'code_verifier', 'refresh_token', 'scope', 'token',
  'token_type_hint', 'client_assertion', 'client_assertion_type', 'response_type', 'state', 'aud', 'launch', 'nonce',
  'code_challenge', 'code_challenge_method', 'username', 'password', 'csrf', 'decision', 'patient', 'encounter', 'q', 'page',
  'prompt', 'max_age', 'id_token_hint', 'a[b]', 'token[x]', '', 'x'.repeat(300),
];
const VALID = [
  'authorization_code', 'refresh_token', 'client_credentials', 'growth-chart', 'sample-app', 'bulk-exporter', 'code', 'S256',
  GROWTH_CHART_REDIRECT, 'http://localhost:3000/sample-app/', 'openid fhirUser launch/patient patient/*.rs offline_access',
  'system/*.rs', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'approve', 'deny', 'p001', 'dr.carter', 'carter-demo',
  'a'.repeat(43), 'access_token',
];

const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALID).map(encodeURIComponent) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.constantFrom(...JWT_TRICKS) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')) },
);
const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PARAMS) }, { weight: 1, arbitrary: fc.constantFrom(...NASTY) });
/** Parameters as `name=value` pairs, repeats and all, already percent-encoded. */
const params = fc.array(fc.tuple(name, value), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

const ENDPOINTS = [
  '/authorize', '/token', '/introspect', '/revoke', '/userinfo', '/launches', '/launches/abc', '/launches/%00', '/login', '/logout',
  '/consent', '/select-patient', '/select-encounter', '/interaction', '/launcher', '/jwks', '/health', '/.well-known/smart-configuration',
  '/.well-known/openid-configuration', '/fhir/metadata', '/fhir/Patient/p001', '/fhir/Patient?name=%00', '/sample-app/', '/nope', '/%ZZ',
];
const METHODS = ['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(basic('fhir-server', SECRETS['fhir-server']), basic('ehr-integrator', SECRETS['ehr-integrator']), basic('growth-chart', SECRETS['growth-chart'])),
  fc.string({ maxLength: 30 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.uint8Array({ maxLength: 30 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
  fc.constantFrom('Basic', 'Basic !!!', 'Bearer', 'Bearer ', 'Digest x', 'basic ' + 'A'.repeat(8000)),
  // Headers stay under Node's 16 KB limit (a larger head is answered 431 and reset); the huge JWT goes in bodies.
  fc.constantFrom(...JWT_TRICKS.filter((t) => t.length < 8000)).map((t) => `Bearer ${t}`),
);
const cookie = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('smart_launch_interaction=%ZZ', 'smart_launch_session=' + 'a'.repeat(5000), 'smart_launch_interaction=a%00', 'x=' + '%FF'),
  value.map((v) => `smart_launch_session=${v}; smart_launch_interaction=${v}`),
);

type BodyKind = 'none' | 'form' | 'json' | 'broken-json' | 'raw' | 'wrong-type';
const body = fc.oneof(
  fc.tuple(fc.constant<BodyKind>('none'), fc.constant('')),
  fc.tuple(fc.constant<BodyKind>('form'), params),
  fc.tuple(
    fc.constant<BodyKind>('json'),
    fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j) ?? 'null'),
      fc.constantFrom('{"patient":"p001\\u0000"}', '{"patient":"\\ud800"}', '{"__proto__":{"admin":true}}', '{"patient":"p001","encounter":{"a":1}}'),
      fc.dictionary(fc.constantFrom('patient', 'encounter', 'user', 'client_id', 'expires_in', 'fhirContext', 'extra'), value.map(decodeSafe)).map((o) => JSON.stringify(o)),
    ),
  ),
  fc.tuple(fc.constant<BodyKind>('broken-json'), fc.constantFrom('{', '{"a":', '[1,2', '{"a":1}}', '\u0000', '{"a":"\\x"}', '"' + 'a'.repeat(10000))),
  fc.tuple(fc.constant<BodyKind>('raw'), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))),
  fc.tuple(fc.constant<BodyKind>('wrong-type'), params),
);
const CONTENT_TYPES: Record<BodyKind, string[]> = {
  none: [''],
  form: ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin1', 'application/x-www-form-urlencoded; charset=utf-16'],
  json: ['application/json', 'application/fhir+json', 'application/json; charset=utf-8'],
  'broken-json': ['application/json'],
  raw: ['application/x-www-form-urlencoded', 'application/json', 'application/octet-stream'],
  'wrong-type': ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'image/png', 'application/x-www-form-urlencoded;;;'],
};

/**
 * What an HTTP client can put in a request line or header (RFC 3986 characters), anything else
 * percent-encoded: Node's parser answers other bytes with its own 400 and a reset, before our code runs.
 */
const printable = (text: string) => text.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu, (c) => encodeURIComponent(c));

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The generated requests: every endpoint, every method, every body form, nasty and valid values mixed. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    endpoint: fc.constantFrom(...ENDPOINTS),
    query: params,
    body,
    typeIndex: fc.nat(4),
    authorization,
    cookie,
    origin: fc.constantFrom(undefined, 'https://evil.example', 'null'),
  })
  .map(({ method, endpoint, query, body: [kind, text], typeIndex, authorization: auth, cookie: jar, origin }) => {
    const types = CONTENT_TYPES[kind];
    const headers: Record<string, string> = {};
    if (kind !== 'none') headers['content-type'] = types[typeIndex % types.length]!;
    if (auth) headers.authorization = auth;
    if (jar) headers.cookie = printable(jar).slice(0, 4000);
    if (origin) headers.origin = origin;
    const hasBody = kind !== 'none' && method !== 'GET' && method !== 'HEAD';
    return {
      method,
      // Node answers a request head over 16 KB with 431 and a reset: keep the URL under that, so every request gets an answer.
      path: printable(query ? `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}` : endpoint).slice(0, 6000),
      headers,
      // Raw bodies are bytes as generated (invalid UTF-8 and all); the others are text.
      body: hasBody ? Buffer.from(text, kind === 'raw' ? 'latin1' : 'utf8') : undefined,
    };
  });
