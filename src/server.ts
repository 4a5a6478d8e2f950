import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config/index.ts';
import { startService } from './service.ts';

/** `npm start`: load config, start the service, listen; stop cleanly on SIGTERM/SIGINT. */
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
  const service = await startService(config);
  const { logger } = service.deps;
  // Instances sharing a PostgreSQL database must share one ISSUER: a token or client assertion made for one
  // issuer fails at an instance with another, and the default differs per port.
  if (config.database.kind === 'postgres' && config.issuer === `http://localhost:${config.port}`)
    logger.warn(
      { issuer: config.issuer },
      'ISSUER is not set: this instance calls itself http://localhost:<port>. Several instances on one database must all be started with the same ISSUER (their public URL).',
    );
  const server = createServer(service.app);
  server.listen(config.port, config.host, () => {
    const where = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite (${config.database.dir})`;
    logger.info({ issuer: config.issuer, database: where, node: process.version }, 'smart-launch is listening');
    console.log(`\nsmart-launch is up on ${where} (Node ${process.version}).\n  Discovery: ${config.issuer}/.well-known/smart-configuration\n  Launcher:  ${config.issuer}/launcher\n`);
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
