import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { LISTENING_MESSAGE, supervise } from './cluster.ts';
import { ConfigError, loadConfig, type Config } from './config/index.ts';
import { createLogger } from './http/logging.ts';
import { startBanner } from './banner.ts';
import { startService } from './service.ts';

/**
 * `npm start`: load config; on PostgreSQL, supervise WEB_CONCURRENCY workers
 * (default: the available cores), each serving the whole service; on PGlite
 * (one embedded database, one process) serve from this process.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`smart-launch: configuration error: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const where = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite (${config.database.dir})`;
  const workers = config.database.kind === 'postgres' ? (config.workers ?? availableParallelism()) : 1;
  const banner = (processes: string) => console.log(startBanner(config, `${where} (Node ${process.version}), ${processes}`));

  if (cluster.isPrimary && workers > 1) {
    supervise({ workers, logger: createLogger(config.logLevel, config.logFormat, 'primary'), onReady: () => banner(`${workers} worker processes`) });
    return;
  }
  const single = cluster.isPrimary;
  const note = single && config.database.kind === 'pglite' ? 'one process (PGlite is embedded in it; WEB_CONCURRENCY applies on PostgreSQL)' : 'one process';
  await serve(config, workers, () => (single ? banner(note) : process.send!(LISTENING_MESSAGE)));
}

/** One process serving the service; stops cleanly on SIGTERM/SIGINT. */
async function serve(config: Config, processes: number, onListening: () => void): Promise<void> {
  const service = await startService(config, { processes });
  const { logger } = service.deps;
  // Instances sharing a PostgreSQL database must share one ISSUER: a token or client assertion made for one
  // issuer fails at an instance with another, and the default differs per port.
  if (config.database.kind === 'postgres' && config.issuer === `http://localhost:${config.port}`)
    logger.warn(
      { issuer: config.issuer },
      'ISSUER is not set: this instance calls itself http://localhost:<port>. Several instances on one database must all be started with the same ISSUER (their public URL).',
    );
  const server = createServer(service.handler);
  server.listen(config.port, config.host, () => {
    const slowSignatureChecks = service.deps.verifyOffThread ? 'threadpool' : 'in place';
    logger.info({ issuer: config.issuer, database: config.database.kind, node: process.version, slowSignatureChecks }, 'smart-launch is listening');
    onListening();
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('smart-launch: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
