import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { keyStatus } from '../tokens/key-schedule.ts';
import type { KeyRing } from '../tokens/keys.ts';

/** Request latencies here are milliseconds to a few seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Labels take values from these closed sets only, never from a request (no personal data, bounded series). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

const TOKEN_TYPES = ['access_token', 'id_token', 'refresh_token'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export type PoolStats = () => { total: number; idle: number; waiting: number };

export interface MetricsSources {
  keys: KeyRing;
  /** PostgreSQL pool use; undefined on PGlite (one embedded session). */
  poolStats: PoolStats | undefined;
}

/**
 * The service's Prometheus metrics (one registry per service, so several
 * services in one process, as in the tests, never mix). The hot paths touch
 * children made once per label set, and no label value comes from a request.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #http: (method: string, route: string, status: string) => Histogram.Internal<string>;
  readonly #tokenRequests: (grantType: string, outcome: string) => Histogram.Internal<string>;
  readonly #issued: (grantType: string, tokenType: string) => Counter.Internal;
  readonly refreshReuseDetected: Counter;
  readonly #introspections: { active: Counter.Internal; inactive: Counter.Internal };
  readonly #introspectionsFromMemory: Counter;
  readonly #fhir: (interaction: string, outcome: string) => Counter.Internal;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#http = children(new Histogram({
      name: 'smart_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status (the _count is the number of requests)',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    }));
    this.#tokenRequests = children(new Histogram({
      name: 'smart_token_request_duration_seconds',
      help: 'POST /token by grant type and outcome (success, or the OAuth error code)',
      labelNames: ['grant_type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }));
    this.#issued = children(new Counter({
      name: 'smart_tokens_issued_total',
      help: 'Tokens issued, by grant type and token type',
      labelNames: ['grant_type', 'token_type'],
      registers,
    }));
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
    this.#introspectionsFromMemory = new Counter({
      name: 'smart_introspections_from_memory_total',
      help: 'Token introspections answered from the process cache (credentials and token already verified here): no signature check, no database',
      registers,
    });
    this.#fhir = children(new Counter({
      name: 'smart_fhir_requests_total',
      help: 'FHIR API requests by interaction (read, search, create...) and outcome (allowed, unauthenticated, refused, failed)',
      labelNames: ['interaction', 'outcome'],
      registers,
    }));
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
    this.#http(METHODS.has(method) ? method : 'other', route, String(status)).observe(seconds);
  }

  observeTokenRequest(grantType: string, outcome: string, seconds: number): void {
    this.#tokenRequests(GRANT_TYPES.has(grantType) ? grantType : 'unsupported', outcome).observe(seconds);
  }

  tokensIssued(grantType: string, tokens: Partial<Record<TokenType, unknown>>): void {
    const grant = GRANT_TYPES.has(grantType) ? grantType : 'other';
    for (const type of TOKEN_TYPES) if (tokens[type] !== undefined) this.#issued(grant, type).inc();
  }

  introspected(active: boolean, fromMemory = false): void {
    (active ? this.#introspections.active : this.#introspections.inactive).inc();
    if (fromMemory) this.#introspectionsFromMemory.inc();
  }

  /** Both from closed sets chosen by the FHIR API (its interactions; allowed, unauthenticated, refused, failed). */
  fhirRequest(interaction: string, outcome: string): void {
    this.#fhir(interaction, outcome).inc();
  }
}

/**
 * The metric's child for a set of label values, made once: prom-client's
 * `labels()` validates the names on every call, so the hot paths look the
 * child up by its values instead.
 */
function children<C>(metric: { labels(...values: string[]): C }): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = made.get(key);
    if (!child) {
      child = metric.labels(...values);
      made.set(key, child);
    }
    return child;
  };
}
