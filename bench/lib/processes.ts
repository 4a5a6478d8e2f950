import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A server under test, in its own child process on 127.0.0.1. */
export interface ServerProcess {
  name: string;
  baseUrl: string;
  pid: number;
  /** Still running (a soak stops when the service dies). */
  alive(): boolean;
  /** The child's last output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** An ephemeral port the kernel hands out now (free when returned; taken by the child right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface SpawnOptions {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  /** A GET that answers 200 once the server is ready. */
  readyPath: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Also wait until the output contains this (every cluster worker listens once the banner is out). */
  readyText?: string;
}

/** Starts `node --import tsx <script>` and waits (bounded) until readyPath answers 200. */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', options.script], {
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const server: ServerProcess = {
    name: options.name,
    baseUrl,
    pid: child.pid ?? -1,
    alive: () => exited === undefined,
    output: () => tail,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${options.name} exited (${exited}) before it was ready:\n${tail}`);
    try {
      const res = await fetch(baseUrl + options.readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 && (!options.readyText || tail.includes(options.readyText))) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.stop();
  throw new Error(`${options.name} was not ready within 90 s:\n${tail}`);
}
