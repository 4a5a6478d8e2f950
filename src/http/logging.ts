import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config/index.ts';

export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { service: 'smart-launch' } });
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

/** One JSON line per request with a request id (X-Request-Id, echoed back); never a secret. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  });
}
