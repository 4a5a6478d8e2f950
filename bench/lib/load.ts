import autocannon from 'autocannon';

/** What one timed run measured. Latencies in ms, over 2xx responses. */
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
  headers: Record<string, string>;
  /** Builds the n-th request body (called once per request sent, and once per connection up front). */
  body: (n: number) => string;
  connections: number;
  durationSeconds: number;
  /** Stops earlier once this many requests were sent (the size of a one-use pool). */
  maxRequests?: number;
}

/** A bounded autocannon run (duration and, optionally, request count) of POSTs from this process. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const failures: string[] = [];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: options.headers,
        setupRequest: (request) => ({ ...request, body: options.body(n++) }),
        onResponse: (status, body) => {
          if ((status < 200 || status > 299) && failures.length < 3) failures.push(`${status} ${String(body).slice(0, 200)}`);
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: result.duration,
    rps: result.duration > 0 ? ok / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures,
  };
}
