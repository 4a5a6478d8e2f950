export { Metrics, type PoolStats, type TokenType } from './registry.ts';
export { httpMetrics, metricsRouter, startMetricsServer } from './router.ts';
