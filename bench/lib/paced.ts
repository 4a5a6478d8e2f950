import http from 'node:http';

/**
 * The paced load generator (load.ts runPaced starts it as a child process):
 * reads a PacedSpec as JSON on stdin, sends request n when it is due
 * (start + n / rate) over at most `connections` keep-alive sockets, and
 * writes a PacedResult as JSON on stdout. Each latency runs from when the
 * request was due, not from when a socket was free, so a slow answer that
 * holds later requests back counts against them too (coordinated omission,
 * as wrk2 measures it). `lag` is how late requests went out: this process's
 * own delay, which the latencies include.
 */
export interface PacedSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The n-th request's body (POST). */
  bodies: string[];
  connections: number;
  rate: number;
  total: number;
}

export interface PacedResult {
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  lagP99: number;
  lagMax: number;
  failures: string[];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
};

async function pacedRun(spec: PacedSpec): Promise<PacedResult> {
  const target = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies: number[] = [];
  const lags: number[] = [];
  const failures: string[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const dueAt = (n: number) => started + (n * 1000) / spec.rate;

  const send = (n: number, due: number) =>
    new Promise<void>((resolve) => {
      const body = spec.method === 'GET' ? undefined : spec.bodies[n % spec.bodies.length];
      const headers = { ...spec.headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) };
      const request = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: spec.method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status <= 299) latencies.push(performance.now() - due);
          else {
            non2xx++;
            if (failures.length < 3) failures.push(`${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
          }
          resolve();
        });
      });
      request.setTimeout(10_000, () => request.destroy(new Error('timed out')));
      request.on('error', (error) => {
        errors++;
        if (failures.length < 3) failures.push(error.message.slice(0, 200));
        resolve();
      });
      request.end(body);
    });

  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < spec.total; ) {
    const now = performance.now();
    // Everything due by now goes out now; then sleep until the next one is due.
    for (; n < spec.total && dueAt(n) <= now; n++) {
      lags.push(now - dueAt(n));
      inFlight.push(send(n, dueAt(n)));
    }
    if (n < spec.total) await new Promise((r) => setTimeout(r, Math.max(0, dueAt(n) - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return {
    ok: latencies.length,
    non2xx,
    errors,
    seconds: (performance.now() - started) / 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    lagP99: percentile(lags, 99),
    lagMax: Math.max(0, ...lags),
    failures,
  };
}

if (import.meta.filename === process.argv[1]) {
  let input = '';
  process.stdin.on('data', (chunk: Buffer) => (input += chunk.toString('utf8')));
  process.stdin.on('end', () => {
    pacedRun(JSON.parse(input) as PacedSpec).then(
      (result) => process.stdout.write(JSON.stringify(result)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
