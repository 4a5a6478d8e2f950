import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { PacedResult, PacedSpec } from './paced.ts';
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

/** A bounded run from this process: autocannon as fast as answered, or evenly paced with a `rate` (runPaced). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.rate) return runPaced({ ...options, rate: options.rate });
  let n = 0;
  const failures: string[] = [];
  const started = performance.now();
  let lastAnswerAt = started;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
    ...(options.rate ? { overallRate: options.rate } : {}),
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        setupRequest: (request) => (options.method === 'GET' ? request : { ...request, body: options.body(n++) }),
        onResponse: (status, body) => {
          lastAnswerAt = performance.now();
          options.onBody?.(status, String(body));
          if ((status < 200 || status > 299) && failures.length < 3) failures.push(`${status} ${String(body).slice(0, 200)}`);
        },
      },
    ],
  });
  // Not autocannon's own `duration`: it stops only at its next 1 s sample tick, so a run cut short
  // by maxRequests after 3.2 s of answers counted as 4 s (rates quantised to 5,700/3, 5,700/4).
  const seconds = (lastAnswerAt - started) / 1000;
  return summarise(result.requests.total, result['2xx'], result.non2xx, result.errors, seconds, result.latency.p50, result.latency.p99, failures);
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

/**
 * An open-loop run at `rate` requests per second, evenly spaced, in a child
 * process of its own (bench/lib/paced.ts): a small heap whose event loop
 * does nothing else, so the schedule is kept (run in this process, with the
 * bench's assertions and histograms in its heap, requests went out up to
 * 70 ms late). autocannon's `overallRate` is not this: it lets each
 * connection send its share of a second back to back at the top of the
 * second (lib/httpClient.js), a burst, and back-fills latencies with a 1 ms
 * expected interval.
 */
export async function runPaced(options: LoadOptions & { rate: number }): Promise<LoadResult> {
  // The child process sees no callback: a scenario that must read each answer runs unpaced.
  if (options.onBody) throw new Error('a paced run cannot pass answers to onBody');
  const total = Math.min(Math.round(options.rate * options.durationSeconds), options.maxRequests ?? Infinity);
  const spec: PacedSpec = {
    url: options.url,
    method: options.method ?? 'POST',
    headers: options.headers,
    bodies: options.method === 'GET' ? [] : Array.from({ length: total }, (_, n) => options.body(n)),
    connections: options.connections,
    rate: options.rate,
    total,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'paced.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(spec));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`paced load generator exited with ${code}`);
  const result = JSON.parse(out) as PacedResult;
  if (process.env.BENCH_DEBUG_LAG) console.log(`paced: send lag p99 ${result.lagP99.toFixed(1)} ms, max ${result.lagMax.toFixed(1)} ms`);
  return summarise(total, result.ok, result.non2xx, result.errors, result.seconds, result.p50, result.p99, result.failures);
}
