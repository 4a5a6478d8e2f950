import { spawn } from 'node:child_process';
import path from 'node:path';

/** Runs `smart-launch <args>` as its own process, as `npx smart-launch` does (bin/smart-launch.js), on in-memory PGlite unless told otherwise. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  node = process.execPath,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(node, [path.resolve('bin/smart-launch.js'), ...args], {
    env: { ...process.env, DATABASE_URL: '', PGLITE_DIR: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
