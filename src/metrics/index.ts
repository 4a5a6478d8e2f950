export { Metrics, type PoolStats, type TokenType } from './registry.ts';
export { httpMetrics, metricsRouter, requireAdminClient, startMetricsServer } from './router.ts';
