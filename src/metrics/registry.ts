import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { keyStatus } from '../tokens/key-schedule.ts';
import type { KeyRing } from '../tokens/keys.ts';

/** Request latencies here are milliseconds to a few seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Labels take values from these closed sets only, never from a request (no personal data, bounded series). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

export type TokenType = 'access_token' | 'id_token' | 'refresh_token';
export type PoolStats = () => { total: number; idle: number; waiting: number };

export interface MetricsSources {
  keys: KeyRing;
  /** PostgreSQL pool use; undefined on PGlite (one embedded session). */
  poolStats: PoolStats | undefined;
}

/**
 * The service's Prometheus metrics (one registry per service, so several
 * services in one process, as in the tests, never mix). The hot paths only
 * touch pre-bound children: an increment is a property add, no label hashing.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #http: Histogram<'method' | 'route' | 'status'>;
  readonly #httpChildren = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  readonly #tokenRequests: Histogram<'grant_type' | 'outcome'>;
  readonly #tokenChildren = new Map<string, Histogram.Internal<'grant_type' | 'outcome'>>();
  readonly #issued: Counter<'grant_type' | 'token_type'>;
  readonly #issuedChildren = new Map<string, Counter.Internal>();
  readonly refreshReuseDetected: Counter;
  readonly #introspections: { active: Counter.Internal; inactive: Counter.Internal };
  readonly #fhir: Counter<'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#http = new Histogram({
      name: 'smart_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status (the _count is the number of requests)',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#tokenRequests = new Histogram({
      name: 'smart_token_request_duration_seconds',
      help: 'POST /token by grant type and outcome (success, or the OAuth error code)',
      labelNames: ['grant_type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#issued = new Counter({
      name: 'smart_tokens_issued_total',
      help: 'Tokens issued, by grant type and token type',
      labelNames: ['grant_type', 'token_type'],
      registers,
    });
    this.refreshReuseDetected = new Counter({
      name: 'smart_refresh_token_reuse_detected_total',
      help: 'Spent refresh tokens presented again (each revoked its grant)',
      registers,
    });
    const introspections = new Counter({
      name: 'smart_introspections_total',
      help: 'Token introspections by answer',
      labelNames: ['result'],
      registers,
    });
    this.#introspections = { active: introspections.labels('active'), inactive: introspections.labels('inactive') };
    this.#fhir = new Counter({
      name: 'smart_fhir_requests_total',
      help: 'FHIR API requests by outcome',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'smart_signing_keys',
      help: 'Published signing keys by purpose and status (pending, signing, retiring)',
      labelNames: ['purpose', 'status'],
      registers,
      collect() {
        this.reset();
        const now = new Date();
        const keys = sources.keys.scheduled;
        for (const key of keys) this.inc({ purpose: key.purpose, status: keyStatus(key, keys, now) });
      },
    });
    const { poolStats } = sources;
    if (poolStats)
      new Gauge({
        name: 'smart_db_pool_connections',
        help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
        labelNames: ['state'],
        registers,
        collect() {
          const stats = poolStats();
          this.set({ state: 'total' }, stats.total);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
  }

  /** `route` is the route pattern (`/launches/:launch`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let child = this.#httpChildren.get(key);
    if (!child) {
      child = this.#http.labels(METHODS.has(method) ? method : 'other', route, String(status));
      this.#httpChildren.set(key, child);
    }
    child.observe(seconds);
  }

  observeTokenRequest(grantType: string, outcome: string, seconds: number): void {
    const key = `${grantType} ${outcome}`;
    let child = this.#tokenChildren.get(key);
    if (!child) {
      child = this.#tokenRequests.labels(GRANT_TYPES.has(grantType) ? grantType : 'unsupported', outcome);
      this.#tokenChildren.set(key, child);
    }
    child.observe(seconds);
  }

  tokensIssued(grantType: string, tokens: Partial<Record<TokenType, unknown>>): void {
    for (const type of ['access_token', 'id_token', 'refresh_token'] as const) {
      if (tokens[type] === undefined) continue;
      const key = `${grantType} ${type}`;
      let child = this.#issuedChildren.get(key);
      if (!child) {
        child = this.#issued.labels(GRANT_TYPES.has(grantType) ? grantType : 'other', type);
        this.#issuedChildren.set(key, child);
      }
      child.inc();
    }
  }

  introspected(active: boolean): void {
    (active ? this.#introspections.active : this.#introspections.inactive).inc();
  }

  /** `outcome` from a closed set chosen by the FHIR API (e.g. ok, forbidden, not_found, error). */
  fhirRequest(outcome: string): void {
    this.#fhir.labels(outcome).inc();
  }
}
