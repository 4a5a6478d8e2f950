import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config/index.ts';
import { startBanner } from './banner.ts';
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
  const server = createServer(service.app);
  server.listen(config.port, config.host, () => {
    const where = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite (${config.database.dir})`;
    logger.info({ issuer: config.issuer, database: where, node: process.version }, 'smart-launch is listening');
    console.log(startBanner(config, where));
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
