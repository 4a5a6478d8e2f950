import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** A worker that served this long before dying starts a fresh backoff. */
const STABLE_AFTER_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;
/** Workers that have not exited this long after SIGTERM are killed. */
const STOP_TIMEOUT_MS = 15_000;

/** What a worker tells the supervisor once its server listens. */
export const LISTENING_MESSAGE = 'smart-launch:listening';

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** Called once, when every worker listens for the first time. */
  onReady: () => void;
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  /** Crashes in a row (reset once a worker of this slot stayed up STABLE_AFTER_MS). */
  crashes: number;
  restart: NodeJS.Timeout | undefined;
  listened: boolean;
}

/** Delay before the n-th restart in a row: 250 ms, 500 ms, 1 s, ... at most 30 s. */
export function restartDelay(crashes: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.max(0, crashes - 1));
}

/**
 * The `npm start` supervisor (node:cluster primary): forks `workers` copies of
 * the server, which share the listening socket (the primary hands connections
 * round-robin). A worker that dies is replaced after a backoff; SIGTERM or
 * SIGINT stops every worker gracefully (each finishes its open requests) and
 * exits 0 when they all did. If the first workers die before any listened
 * (database unreachable, a bad hook module), it stops and exits 1 rather than
 * restart a start that cannot succeed.
 */
export function supervise({ workers, logger, onReady }: SupervisorOptions): void {
  const slots: Slot[] = [];
  let stopping = false;
  let ready = false;
  let failed = false;

  const fork = (slot: Slot) => {
    slot.restart = undefined;
    slot.startedAt = Date.now();
    slot.listened = false;
    const worker = cluster.fork();
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (message !== LISTENING_MESSAGE) return;
      slot.listened = true;
      logger.info({ workerId: worker.id, workerPid: worker.process.pid }, 'worker listening');
      if (!ready && slots.every((s) => s.listened)) {
        ready = true;
        onReady();
      }
    });
    worker.on('exit', (code, signal) => {
      slot.worker = undefined;
      if (stopping) {
        if (code !== 0) failed = true;
        return finishIfAllStopped();
      }
      if (!ready && !slot.listened) {
        logger.error({ workerId: worker.id, code, signal }, 'a worker failed to start: stopping');
        return stop('start failure', 1);
      }
      slot.crashes = Date.now() - slot.startedAt > STABLE_AFTER_MS ? 1 : slot.crashes + 1;
      const delay = restartDelay(slot.crashes);
      logger.error({ workerId: worker.id, workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died: restarting');
      slot.restart = setTimeout(() => fork(slot), delay);
    });
  };

  let exitCode = 0;
  const finishIfAllStopped = () => {
    if (slots.some((s) => s.worker)) return;
    logger.info('all workers stopped');
    process.exit(failed ? Math.max(exitCode, 1) : exitCode);
  };
  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ reason }, 'stopping all workers');
    for (const slot of slots) {
      clearTimeout(slot.restart);
      slot.worker?.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    finishIfAllStopped();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info({ workers }, 'starting workers');
  for (let i = 0; i < workers; i++) {
    const slot: Slot = { worker: undefined, startedAt: 0, crashes: 0, restart: undefined, listened: false };
    slots.push(slot);
    fork(slot);
  }
}
