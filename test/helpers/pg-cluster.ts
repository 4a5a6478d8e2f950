import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.ts';

export interface OwnCluster {
  url: string;
  name: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  drop(): void;
}

/** Why this machine cannot make a throw-away PostgreSQL cluster, or undefined when it can. */
export function ownClusterUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (pg_createcluster needs root)';
  if (!existsSync('/usr/bin/pg_createcluster')) return 'pg_createcluster is not installed (Debian postgresql-common)';
  if (!existsSync('/usr/lib/postgresql') || readdirSync('/usr/lib/postgresql').length === 0) return 'no PostgreSQL server installed';
  return undefined;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe', timeout: 120_000 }).toString();

/**
 * A PostgreSQL cluster of our own (Debian's pg_createcluster), on a free port,
 * trust auth on loopback, so a test may stop and start it. Never the shared
 * clusters on 5432-5434. Drop it when done.
 */
export async function createOwnCluster(): Promise<OwnCluster> {
  const version = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))[0]!;
  const name = `sl_restart_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  run('pg_createcluster', [version, name, '-p', String(port), '--start', '--', '--auth=trust']);
  // Asynchronous, so the service's load keeps flowing while the cluster stops and starts.
  const ctl = async (action: string, ...extra: string[]) => {
    await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...extra], { timeout: 120_000 });
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    name,
    // Fast shutdown: the server ends every session ("terminating connection due to administrator command").
    stop: () => ctl('stop', '-m', 'fast'),
    start: () => ctl('start'),
    drop: () => run('pg_dropcluster', [version, name, '--stop']),
  };
}
