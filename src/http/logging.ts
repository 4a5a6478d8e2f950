import cluster from 'node:cluster';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/index.ts';

/**
 * JSON lines (for log collectors) unless stdout is a terminal: then pino-pretty,
 * one readable line per request. LOG_FORMAT=json or pretty overrides the guess.
 * Under `npm start` with several workers, every line names its process: the cluster worker's id, or `primary`.
 */
export function createLogger(
  level: Config['logLevel'],
  format: 'json' | 'pretty' = 'json',
  worker: number | 'primary' | undefined = cluster.worker?.id,
): Logger {
  const options = { level, base: { service: 'smart-launch', pid: process.pid, ...(worker === undefined ? {} : { worker }) } };
  if (format === 'json') return pino(options);
  return pino(
    options,
    pretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service,reqId,req,res,responseTime',
      messageFormat: (log, messageKey) => {
        const req = log.req as { method?: string; url?: string } | undefined;
        const res = log.res as { statusCode?: number } | undefined;
        return req ? `${req.method} ${req.url} → ${res?.statusCode} (${String(log.responseTime)} ms)` : String(log[messageKey]);
      },
    }),
  );
}

/** `pretty` on a terminal, `json` otherwise; LOG_FORMAT decides when set. */
export function logFormat(env: Record<string, string | undefined>, isTty: boolean): 'json' | 'pretty' {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTty ? 'pretty' : 'json';
}

const SECRET_PARAMS = /^(code|launch|token|refresh_token|client_secret|client_assertion|code_verifier|password|csrf)$/i;

/** The path and query with every secret-like value blanked: codes, launch ids, tokens. */
export function redactUrl(url: string): string {
  const parsed = new URL(url, 'http://x');
  const path = parsed.pathname.replace(/^\/launches\/[^/]+/, '/launches/[redacted]');
  for (const name of [...parsed.searchParams.keys()])
    if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, '[redacted]');
  const query = parsed.searchParams.toString();
  return query ? `${path}?${query}` : path;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id (X-Request-Id), in every log line and audit event about it. */
    id: string;
    /** The service logger with this request's id bound. */
    log: Logger;
  }
}

/**
 * One JSON line per request with a request id (X-Request-Id, echoed back);
 * never a secret. Written here rather than with pino-http: that glue cost a
 * third of the throughput of the token and introspection endpoints (a child
 * logger and a completion handler per request even when nothing is logged).
 * `req.log` binds the request id lazily, only when something is logged.
 */
export function requestLogger(logger: Logger): RequestHandler {
  const logRequests = logger.isLevelEnabled('info');
  return (req, res, next) => {
    const id = assignRequestId(req);
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (child ??= logger.child({ reqId: id })) });
    if (logRequests) {
      const started = performance.now();
      res.once('finish', () => logCompletion(req.log, req.method, req.originalUrl, res.statusCode, started));
    }
    next();
  };
}

/**
 * The request's id: the one already given (the hot routes give it before
 * express runs), else the caller's X-Request-Id when it is a plain token,
 * else a new one.
 */
export function assignRequestId(req: IncomingMessage): string {
  if (req.id) return req.id;
  const incoming = req.headers['x-request-id'];
  return (req.id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID());
}

/** The one line per request, at info (error for a 5xx). */
export function logCompletion(log: Logger, method: string | undefined, url: string, statusCode: number, started: number): void {
  const entry = { req: { method, url: redactUrl(url) }, res: { statusCode }, responseTime: Math.round(performance.now() - started) };
  if (statusCode >= 500) log.error(entry, 'request completed');
  else log.info(entry, 'request completed');
}
