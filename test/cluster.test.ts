import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartDelay } from '../src/cluster.ts';
import { TEST_DATABASE_URL } from './helpers/databases.ts';
import { freePort } from './helpers/ports.ts';
import { freshPostgresSchema } from './helpers/server.ts';

interface Started {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  /** JSON log lines so far. */
  logs: () => Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, port: number): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: String(port), PGLITE_DIR: 'memory', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, port, stdout: () => stdout, logs, exited };
}

async function until(what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listeningWorkers = (s: Started) => s.logs().filter((l) => l.msg === 'worker listening').map((l) => l.workerPid as number);

describe('restart backoff', () => {
  it('doubles from 250 ms and stops growing at 30 s', () => {
    expect([1, 2, 3, 4].map(restartDelay)).toEqual([250, 500, 1000, 2000]);
    expect(restartDelay(20)).toBe(30_000);
  });
});

describe.runIf(TEST_DATABASE_URL)('npm start on PostgreSQL: WEB_CONCURRENCY workers', () => {
  let fresh: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let server: Started;

  beforeAll(async () => {
    fresh = await freshPostgresSchema();
    const url = new URL(fresh.url);
    url.searchParams.set('options', `-c search_path=${fresh.schema}`);
    server = start({ DATABASE_URL: url.toString(), WEB_CONCURRENCY: '2' }, await freePort());
    await until('two workers and the banner', () => server.stdout().includes('Discovery:') && listeningWorkers(server).length === 2, 90_000);
  }, 120_000);

  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await fresh?.drop();
  });

  it('starts two workers, tags their log lines, and serves on one port', async () => {
    expect(server.stdout()).toContain('2 worker processes');
    const pids = listeningWorkers(server);
    expect(new Set(pids).size).toBe(2);
    const tags = new Set(server.logs().filter((l) => l.msg === 'smart-launch is listening').map((l) => `${l.worker}:${l.pid}`));
    expect(tags.size).toBe(2);
    // Two workers: a P-384 check goes to the threadpool only where they leave a core free.
    const listening = server.logs().filter((l) => l.msg === 'smart-launch is listening');
    expect(listening.map((l) => l.slowSignatureChecks)).toEqual(Array(2).fill(availableParallelism() > 2 ? 'threadpool' : 'in place'));
    expect(server.logs().find((l) => l.msg === 'starting workers')?.worker).toBe('primary');
    const res = await fetch(`http://127.0.0.1:${server.port}/health`);
    expect(res.status).toBe(200);
  });

  it('replaces a worker that crashed', async () => {
    const [victim, survivor] = listeningWorkers(server);
    process.kill(victim!, 'SIGKILL');
    await until('a replacement worker', () => listeningWorkers(server).length === 3, 60_000);
    const replacement = listeningWorkers(server)[2]!;
    expect([victim, survivor]).not.toContain(replacement);
    expect(server.logs().some((l) => l.msg === 'worker died: restarting' && l.workerPid === victim && l.signal === 'SIGKILL')).toBe(true);
    for (let i = 0; i < 4; i++) expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
  }, 90_000);

  it('stops every worker on SIGTERM and exits 0', async () => {
    const pids = listeningWorkers(server).filter(alive);
    expect(pids.length).toBe(2);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await until('the workers to exit', () => pids.every((pid) => !alive(pid)), 5_000);
    expect(server.logs().some((l) => l.msg === 'all workers stopped')).toBe(true);
  }, 60_000);
});

describe('npm start on PGlite', () => {
  it('stays one process whatever WEB_CONCURRENCY says, and says so', async () => {
    const server = start({ WEB_CONCURRENCY: '4' }, await freePort());
    try {
      await until('the banner', () => server.stdout().includes('Discovery:'), 90_000);
      expect(server.stdout()).toContain('one process (PGlite is embedded in it');
      expect(server.logs().some((l) => l.msg === 'starting workers')).toBe(false);
      const listening = server.logs().find((l) => l.msg === 'smart-launch is listening');
      expect(listening?.pid).toBe(server.child.pid);
      // One process: the threadpool has the other cores (where there are any).
      expect(listening?.slowSignatureChecks).toBe(availableParallelism() > 1 ? 'threadpool' : 'in place');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 120_000);
});
