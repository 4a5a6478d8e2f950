import type { AssertionCursor } from './assertions.ts';
import type { Ceilings } from './ceiling.ts';
import { basic, form, FORM, JWT_BEARER } from './fixtures.ts';
import { appAuthorization, codeRedemption, fullLaunch, launchToCode, type Code } from './flow.ts';
import { runLoad, runTasks, type LoadResult } from './load.ts';
import type { Target } from './targets.ts';

export const SCOPE = 'system/Patient.rs';
const INTROSPECTOR = basic('fhir-server');

export interface RunSettings {
  connections: number;
  /** Seconds per timed run. */
  seconds: number;
  /** Only when BENCH_DURATION is unset: a timed run stops when the pre-signed assertions run out. */
  bounded: boolean;
  /** Of the pre-signed assertions left, the share this run may use (1 / the rounds still to run). */
  share: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** Which crypto ceiling applies. */
  ceiling: keyof Ceilings;
  /** oidc-provider does the same work (so its rows and the peer ratios exist). */
  peer: boolean;
  /** One timed run per server, not BENCH_ROUNDS interleaved ones: what the run measures is used up (codes, refresh tokens) or too slow to repeat. */
  once?: true;
  /** What the median run is the median of: req/s, or p99 where the load is a fixed rate. */
  medianOf?: 'rps' | 'p99';
  /** Before the first timed run (not measured): connections opened, caches and the JIT warm. */
  warmUp?(target: Target, settings: RunSettings, state: TargetState): Promise<unknown>;
  run(target: Target, settings: RunSettings, state: TargetState): Promise<LoadResult>;
}

/** Per target: its cursors over the assertion pools, and tokens gathered for later scenarios. */
export interface TargetState {
  es384: AssertionCursor;
  rs384: AssertionCursor;
  introspectable: string[];
  refreshTokens: string[];
}

async function postForm(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { raw: text.slice(0, 200) } };
  }
}

const tokenBody = (assertion: string, extra: Record<string, string>) =>
  form({ grant_type: 'client_credentials', scope: SCOPE, client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra });

/** One client_credentials token, checked (200; an ES256 JWT when the target was asked for one). */
export async function issueOne(target: Target, cursor: AssertionCursor, extra = target.tokenExtra): Promise<string> {
  const { status, json } = await postForm(target.tokenUrl, tokenBody(cursor.take(), extra));
  const token = json.access_token;
  if (status !== 200 || typeof token !== 'string') throw new Error(`${target.label}: token request answered ${status} ${JSON.stringify(json)}`);
  if (Object.keys(extra).length || target.server === 'smart-launch') {
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8') || 'null') as { alg?: string } | null;
    if (header?.alg !== 'ES256') throw new Error(`${target.label}: access token is not an ES256 JWT`);
  }
  return token;
}

/** Introspects one token and insists it is active (the check before timing). */
export async function checkIntrospection(target: Target, token: string): Promise<void> {
  const { status, json } = await postForm(target.introspectUrl, form({ token }), { authorization: INTROSPECTOR });
  if (status !== 200 || json.active !== true) throw new Error(`${target.label}: introspection answered ${status} ${JSON.stringify(json)}`);
}

/** Runs `make` until `count` results, `concurrency` at a time. */
export async function gather<T>(count: number, concurrency: number, make: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      out.push(await make());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

function clientCredentials(kid: 'es384' | 'rs384'): Pick<Scenario, 'warmUp' | 'run'> {
  const load = (target: Target, state: TargetState) => ({
    url: target.tokenUrl,
    headers: { 'content-type': FORM },
    body: () => tokenBody(state[kid].take(), target.tokenExtra),
  });
  return {
    warmUp: (target, settings, state) => runLoad({ ...load(target, state), connections: settings.connections, durationSeconds: 3, maxRequests: 300 }),
    run: (target, settings, state) =>
      runLoad({
        ...load(target, state),
        connections: settings.connections,
        durationSeconds: settings.seconds,
        ...(settings.bounded ? { maxRequests: Math.floor(state[kid].remaining * settings.share) } : {}),
      }),
  };
}

function introspection(pick: (state: TargetState) => string[], rate?: number): Pick<Scenario, 'warmUp' | 'run'> {
  const load = (target: Target, state: TargetState) => {
    const bodies = pick(state).map((token) => form({ token }));
    return { url: target.introspectUrl, headers: { 'content-type': FORM, authorization: INTROSPECTOR }, body: (n: number) => bodies[n % bodies.length]! };
  };
  return {
    warmUp: (target, settings, state) => runLoad({ ...load(target, state), connections: settings.connections, durationSeconds: 1 }),
    run: (target, settings, state) => runLoad({ ...load(target, state), connections: settings.connections, durationSeconds: settings.seconds, ...(rate ? { rate } : {}) }),
  };
}

/** Codes pre-issued through /launches, /authorize and the consent page, then redeemed in one timed run. */
async function codeRedemptionRun(target: Target, settings: RunSettings, state: TargetState): Promise<LoadResult> {
  const count = Number(process.env.BENCH_CODES ?? 1500);
  const codes: Code[] = await gather(count, 8, () => launchToCode(target.baseUrl, target.fhirBaseUrl));
  const result = await runLoad({
    url: target.tokenUrl,
    headers: { 'content-type': FORM, authorization: appAuthorization() },
    body: (n) => codeRedemption(codes[n] ?? codes[0]!),
    onBody: (status, body) => {
      if (status === 200) state.refreshTokens.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
    connections: settings.connections,
    durationSeconds: settings.seconds,
    maxRequests: codes.length,
  });
  return result;
}

/** refresh_token with rotation: each answer's new refresh token goes back into the queue. */
async function refreshRun(target: Target, settings: RunSettings, state: TargetState): Promise<LoadResult> {
  const queue = state.refreshTokens.splice(0);
  if (queue.length < settings.connections * 4) throw new Error(`${target.label}: only ${queue.length} refresh tokens to rotate`);
  return runLoad({
    url: target.tokenUrl,
    headers: { 'content-type': FORM, authorization: appAuthorization() },
    body: () => form({ grant_type: 'refresh_token', refresh_token: queue.shift()! }),
    onBody: (status, body) => {
      if (status === 200) queue.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
    connections: settings.connections,
    durationSeconds: settings.seconds,
  });
}

/** GET one Patient through the FHIR API (token check, access rules, engine) with a backend token. */
const fhirRead: Pick<Scenario, 'warmUp' | 'run'> = {
  async warmUp(target, settings, state) {
    const url = `${target.fhirBaseUrl}/Patient/p001`;
    const headers = { authorization: `Bearer ${state.introspectable[0]}` };
    const check = await fetch(url, { headers });
    if (check.status !== 200) throw new Error(`${target.label}: FHIR read answered ${check.status} ${(await check.text()).slice(0, 200)}`);
    return runLoad({ url, method: 'GET', headers, body: () => '', connections: settings.connections, durationSeconds: 1 });
  },
  run: (target, settings, state) =>
    runLoad({ url: `${target.fhirBaseUrl}/Patient/p001`, method: 'GET', headers: { authorization: `Bearer ${state.introspectable[0]}` }, body: () => '', connections: settings.connections, durationSeconds: settings.seconds }),
};

/**
 * Revocation across instances: a backend token introspected (so cached) at B,
 * revoked at A (POST /revoke), then introspected at B until inactive; the
 * latency from A's answer to B's first "inactive", `rounds` times in a row.
 */
export async function revocationLatency(a: Target, b: Target, cursor: AssertionCursor, rounds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const token = await issueOne(a, cursor);
    for (let k = 0; k < 2; k++) await checkIntrospection(b, token);
    const revoked = await postForm(`${a.baseUrl}/revoke`, form({ token, client_assertion_type: JWT_BEARER, client_assertion: cursor.take() }));
    if (revoked.status !== 200) throw new Error(`${a.label}: /revoke answered ${revoked.status} ${JSON.stringify(revoked.json)}`);
    const t = performance.now();
    let seen = false;
    for (let polls = 0; polls < 2000 && !seen; polls++) {
      const { json } = await postForm(b.introspectUrl, form({ token }), { authorization: INTROSPECTOR });
      seen = json.active === false;
    }
    if (seen) latencies.push(performance.now() - t);
    else failures.push(`round ${i}: still active at B after 2000 introspections`);
  }
  const p = (q: number) => [...latencies].sort((x, y) => x - y)[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: rounds, ok: latencies.length, non2xx: 0, errors: failures.length, durationSeconds: (performance.now() - started) / 1000, rps: 0, p50: p(0.5), p99: p(0.99), failures };
}

const launchFlows: Scenario['run'] = (target, settings) =>
  runTasks(async () => void (await fullLaunch(target.baseUrl, target.fhirBaseUrl)), Math.max(4, settings.connections / 2), settings.seconds);

export const SCENARIOS: Scenario[] = [
  { id: 'cc-es384', title: 'client_credentials, private_key_jwt ES384', ceiling: 'clientCredentialsEs384', peer: true, ...clientCredentials('es384') },
  { id: 'cc-rs384', title: 'client_credentials, private_key_jwt RS384', ceiling: 'clientCredentialsRs384', peer: true, ...clientCredentials('rs384') },
  { id: 'introspect-1', title: 'introspection, one token', ceiling: 'introspection', peer: true, ...introspection((s) => s.introspectable.slice(0, 1)) },
  { id: 'introspect-1000', title: 'introspection, 1,000 tokens', ceiling: 'introspection', peer: true, ...introspection((s) => s.introspectable) },
  { id: 'introspect-at-1000', title: 'introspection, 1,000 tokens, 1,000 req/s offered', ceiling: 'introspection', peer: true, medianOf: 'p99', ...introspection((s) => s.introspectable, 1000) },
  { id: 'code', title: 'authorization_code redemption (codes from the real pages)', ceiling: 'codeOrRefresh', peer: false, once: true, run: codeRedemptionRun },
  { id: 'refresh', title: 'refresh_token with rotation', ceiling: 'codeOrRefresh', peer: false, once: true, run: refreshRun },
  { id: 'fhir-read', title: 'FHIR read through the gateway (GET Patient/p001, backend token); ceiling: the engine directly', ceiling: 'fhirEngineRead', peer: false, ...fhirRead },
  { id: 'launch', title: 'full EHR launch flows (launch, authorize, consent, token) per s', ceiling: 'codeOrRefresh', peer: false, once: true, run: launchFlows },
];
