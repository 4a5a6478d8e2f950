import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports.ts';
import type { TestServer } from './server.ts';

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  alive(): boolean;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
  /** Enough of a TestServer for the OAuth test helpers (authorize, clientAssertion...). */
  asTestServer(): TestServer;
}

/**
 * `npm start` as a child process on 127.0.0.1 and an ephemeral port, so a test
 * can see whether the process survives (a crash ends it, not the test runner).
 */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: String(port), ISSUER: baseUrl, PGLITE_DIR: 'memory', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Inside the callers' own timeouts (120 s and more), so a start too slow fails with what the process said.
  const deadline = Date.now() + 100_000;
  while (!output.includes('Discovery:') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('Discovery:')) {
    child.kill('SIGKILL');
    throw new Error(`the service did not start (exit code ${child.exitCode}):\n${output.slice(-2000)}`);
  }
  const issuer = env.ISSUER ?? baseUrl;
  return {
    baseUrl,
    child,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    asTestServer: () =>
      ({ baseUrl, config: { issuer, fhirBaseUrl: env.FHIR_BASE_URL ?? `${issuer}/fhir`, configDir: path.resolve('smart-config') } }) as unknown as TestServer,
  };
}
