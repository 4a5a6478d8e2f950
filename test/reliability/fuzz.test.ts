import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/databases.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/process.ts';
import { freshPostgresSchema } from '../helpers/server.ts';
import { fuzzRequest, type FuzzRequest } from './fuzz-inputs.ts';

const BATCH = 16;
// 640 x 16 = 10,240 requests; FUZZ_RUNS overrides for a quick local try.
const RUNS = Number(process.env.FUZZ_RUNS ?? 640);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** The status recorded for a large-body request whose connection the server closed after answering early. */
const RESET = 0;

interface Answer {
  status: number;
  text: string;
}

function send(baseUrl: string, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = request(
      // A connection per request: a keep-alive socket the server closed after an earlier answer would reset the next one.
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers, timeout: 30_000, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (text += text.length < 20_000 ? c : ''));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 30 s (hang): ${r.method} ${r.path.slice(0, 80)}`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A server may answer a large body early (413, 404, CORS) and stop reading it: the socket then resets
      // under the client's write. That is HTTP working as meant; any other reset or error is a failure.
      if ((e.code === 'ECONNRESET' || e.code === 'EPIPE') && (r.body?.length ?? 0) > 16_384) return resolve({ status: RESET, text: '' });
      reject(new Error(`${e.code ?? e.message} for ${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.headers).slice(0, 300)} body ${r.body?.length ?? 0} bytes`));
    });
    req.end(r.body);
  });
}

/**
 * fast-check generates requests across every endpoint and form: NUL and invalid
 * UTF-8 in parameters, headers and bodies, huge and repeated parameters, wrong
 * content types and methods, broken JSON, JWT tricks. The service (a child
 * process, on PostgreSQL when TEST_DATABASE_URL is set) must answer every one
 * below 500, without a stack trace, within 30 s, and still be up at the end.
 */
describe('fuzz: generated hostile requests', () => {
  let service: ServiceProcess;
  let configDir: string;
  let dropSchema: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    // Throttling would answer most of these 429 before they reach the code under test: lift it.
    configDir = mkdtempSync(path.join(tmpdir(), 'sl-fuzz-'));
    cpSync('smart-config', configDir, { recursive: true });
    const server = JSON.parse(readFileSync(path.join(configDir, 'server.json'), 'utf8')) as Record<string, unknown>;
    const high = { freeFailures: 1000, lockFailures: 1_000_000, addressLockFailures: 1_000_000 };
    server.login = { ...(server.login as object), ...high };
    server.clientAuth = high;
    writeFileSync(path.join(configDir, 'server.json'), JSON.stringify(server));
    const env: Record<string, string> = { SMART_CONFIG_DIR: configDir, LOG_LEVEL: 'fatal' };
    if (TEST_DATABASE_URL) {
      const fresh = await freshPostgresSchema();
      dropSchema = fresh.drop;
      const url = new URL(fresh.url);
      url.searchParams.set('options', `-c search_path=${fresh.schema}`);
      env.DATABASE_URL = url.toString();
    }
    service = await startServiceProcess(env);
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await dropSchema?.();
    rmSync(configDir, { recursive: true, force: true });
  }, 60_000);

  it(`answers ${BATCH * RUNS} generated requests without a 5xx, a stack trace or a hang, and stays up`, async () => {
    let sent = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    const outcome = await fc.check(
      fc.asyncProperty(fc.array(fuzzRequest, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answers = await Promise.all(batch.map((r) => send(service.baseUrl, r)));
        sent += batch.length;
        answers.forEach((a, i) => {
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          const r = batch[i]!;
          if (a.status >= 500) throw new Error(`${a.status} for ${r.method} ${r.path.slice(0, 200)}: ${a.text.slice(0, 300)}`);
          if (/at [\w.<>]+ \(|node_modules|\.ts:\d+/.test(a.text)) throw new Error(`a stack trace for ${r.method} ${r.path.slice(0, 200)}`);
        });
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The counterexample is a batch of large requests: report the error, the seed and the path to replay, not all of it.
    if (outcome.failed) throw new Error(`fuzz failed (seed ${outcome.seed}, path ${outcome.counterexamplePath}): ${String(outcome.errorInstance).slice(0, 1500)}`);
    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz: ${sent} requests in ${seconds.toFixed(1)} s (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(sent).toBe(BATCH * RUNS);
    expect(service.alive()).toBe(true);
    expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    expect(service.output()).not.toMatch(/Unhandled|uncaught|FATAL/i);
  }, 400_000);
});
