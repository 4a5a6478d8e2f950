import autocannon from 'autocannon';

/** What one timed run measured. Latencies in ms. */
export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
  /** 2xx responses per second of wall time. */
  rps: number;
  p50: number;
  p99: number;
  /** Up to three non-2xx answers, to say why a run is invalid. */
  failures: string[];
}

export interface LoadOptions {
  url: string;
  /** POST (default, with `body`) or GET. */
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Builds the n-th request body (called once per request sent, and once per connection up front). */
  body: (n: number) => string;
  /** Sees every response body (e.g. to keep the rotated refresh token). */
  onBody?: (status: number, body: string) => void;
  connections: number;
  durationSeconds: number;
  /** Stops earlier once this many requests were sent (the size of a one-use pool). */
  maxRequests?: number;
  /** Offered load in requests per second over all connections (default: as fast as answered). */
  rate?: number;
}

/** A bounded autocannon run (duration and, optionally, request count) from this process. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const failures: string[] = [];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
    // With a rate, autocannon "corrects" each latency for coordinated omission with an expected
    // interval of ceil(1 / per-connection rate) = 1 ms here (lib/run.js), back-filling a 30 ms answer
    // with 29 made-up samples; its rate is per second in bursts, not a schedule, so the latencies are
    // recorded as measured.
    ...(options.rate ? { overallRate: options.rate, ignoreCoordinatedOmission: true } : {}),
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        setupRequest: (request) => (options.method === 'GET' ? request : { ...request, body: options.body(n++) }),
        onResponse: (status, body) => {
          options.onBody?.(status, String(body));
          if ((status < 200 || status > 299) && failures.length < 3) failures.push(`${status} ${String(body).slice(0, 200)}`);
        },
      },
    ],
  });
  return summarise(result.requests.total, result['2xx'], result.non2xx, result.errors, result.duration, result.latency.p50, result.latency.p99, failures);
}

export function summarise(requests: number, ok: number, non2xx: number, errors: number, durationSeconds: number, p50: number, p99: number, failures: string[]): LoadResult {
  return { requests, ok, non2xx, errors, durationSeconds, rps: durationSeconds > 0 ? ok / durationSeconds : 0, p50, p99, failures };
}

/** Percentile of sorted-or-not latencies (ms). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A closed loop of `concurrency` workers each running `task` until the time is
 * up (for multi-request scenarios such as a whole EHR launch): tasks per
 * second, their latency, failures.
 */
export async function runTasks(task: () => Promise<void>, concurrency: number, durationSeconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t = performance.now();
      try {
        await task();
        latencies.push(performance.now() - t);
      } catch (error) {
        errors++;
        if (failures.length < 3) failures.push(error instanceof Error ? error.message.slice(0, 200) : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return summarise(latencies.length + errors, latencies.length, 0, errors, seconds, percentile(latencies, 50), percentile(latencies, 99), failures);
}
