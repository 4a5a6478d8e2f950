import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { PREREAD_FORM, type FormLimits } from './form.ts';
import { assignRequestId, logCompletion } from './logging.ts';
import { setNoStore } from './no-store.ts';

/**
 * POST /token and POST /introspect, the endpoints every backend service and
 * resource server calls per token, routed before express. Profiling showed
 * express's middleware chain and body-parser costing more per request than
 * the whole introspection (bench/README.md, BENCHMARKS.md), so for these two
 * the request goes straight to their own routers (the same handlers as under
 * express, the same error handler, the same request logger, the same helmet
 * headers, captured once), with the form body read here. Cookie parsing,
 * static files and the rest of the chain are for pages and stay off this path.
 *
 * A route may answer without its router too: introspection from memory
 * (`cached`), and /token's grants (`direct`, the route's own handler on node's
 * request and response: express's prototype switch, router, response methods
 * and CORS and body middleware were more than a third of an RS384 backend
 * token's CPU, BENCHMARKS.md). Their 200s carry the headers the router's
 * would; their failures go to the same error handler.
 *
 * Only the plain case takes this path (exact path, no query, a urlencoded
 * UTF-8 body, no content-encoding); anything else goes through express, which
 * then answers exactly as before.
 */
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;\s*charset="?utf-8"?\s*)?$/i;

/**
 * A route's whole answer without express: undefined when the route does not
 * take this request that way (the router answers), else the promise of its 200
 * JSON body. A rejection is answered by the one error handler, with the headers
 * the router would have set. `ip` is the client address as express's req.ip reads it.
 */
export type DirectAnswer = (req: IncomingMessage, fields: Record<string, string | string[]>, ip: string | undefined) => Promise<object> | undefined;

/** A route whose router reads its body with formBody(limits): that is where what is read here takes effect. */
export interface HotRoute extends FormLimits {
  router: Router;
  /**
   * The 200 JSON answer from memory when the route can give one for this
   * request (its id assigned, its form read), else undefined and the router
   * answers. It never fails: every error answer is the router's.
   */
  cached?: (req: IncomingMessage, fields: Record<string, string | string[]>) => object | undefined;
  /** Tried after `cached`: the answer computed without express (DirectAnswer). */
  direct?: DirectAnswer;
}

export interface HotRoutesOptions {
  app: Express;
  routes: ReadonlyMap<string, HotRoute>;
  /** The app-wide middleware that must run for these routes too (request logger, metrics); each calls next() at once. */
  before: RequestHandler[];
  /** helmet's middleware: what it sets is recorded once. */
  securityHeaders: (req: never, res: never, next: () => void) => void;
  /** Where an answer from memory is logged and counted, as the request logger and httpMetrics do for the rest. */
  logger: Logger;
  metrics: Metrics;
}

/** What a middleware sets on a response, recorded once (helmet's headers do not depend on the request). */
function recordHeaders(middleware: HotRoutesOptions['securityHeaders']): Map<string, string | number | readonly string[]> {
  const headers = new Map<string, string | number | readonly string[]>();
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  };
  let synchronous = false;
  middleware({ headers: {} } as never, res as never, () => (synchronous = true));
  if (!synchronous) throw new Error('security headers middleware did not complete synchronously');
  return headers;
}

/**
 * A form body as body-parser's `extended: false` parser reads it (qs at depth 0):
 * `+` is a space, values are percent-decoded (left as sent when malformed),
 * empty keys are dropped, a repeated key becomes an array.
 */
export function parseForm(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  if (!body) return fields;
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    if (!key || key === '__proto__') continue;
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    const previous = fields[key];
    fields[key] = previous === undefined ? value : [...[previous].flat(), value];
  }
  return fields;
}

function decode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** body-parser's error shape, so the one error handler answers as it does under express. */
const bodyError = (status: number, type: string) => Object.assign(new Error(type), { status, type, expose: true });

const countParameters = (body: string, limit: number) => {
  let count = 1;
  for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) if (++count > limit) return count;
  return count;
};

export function withHotRoutes({ app, routes, before, securityHeaders, logger, metrics }: HotRoutesOptions): RequestListener {
  const headers = recordHeaders(securityHeaders);
  // What express's res.json sends with the route's no-store, as one flat list for writeHead.
  const cachedAnswerHeaders = [...headers].flatMap(([name, value]) => [name, String(value)]);
  cachedAnswerHeaders.push('Cache-Control', 'no-store', 'Pragma', 'no-cache', 'Content-Type', 'application/json; charset=utf-8');
  const logRequests = logger.isLevelEnabled('info');

  /** What the request logger and httpMetrics record for a request the router did not answer. */
  const recordCompletion = (path: string, req: IncomingMessage, status: number, started: number) => {
    metrics.observeRequest('POST', path, status, (performance.now() - started) / 1000);
    if (logRequests) logCompletion(req.log ?? logger.child({ reqId: req.id }), req.method, path, status, started);
  };

  /** A 200 given without the router. */
  const sendAnswer = (path: string, req: IncomingMessage, res: ServerResponse, answer: object, started: number) => {
    const body = JSON.stringify(answer);
    res.writeHead(200, [...cachedAnswerHeaders, 'X-Request-Id', req.id, 'Content-Length', String(Buffer.byteLength(body))]);
    res.end(body);
    recordCompletion(path, req, 200, started);
  };

  /** A direct answer's failure: the one error handler, on the headers the router would have set. */
  const sendError = (path: string, req: IncomingMessage, res: ServerResponse, err: unknown, started: number) => {
    asExpress(req, res);
    res.setHeader('X-Request-Id', req.id);
    setNoStore(res);
    // The error handler logs a server error through req.log, as under the request logger.
    req.log = logger.child({ reqId: req.id });
    res.once('finish', () => recordCompletion(path, req, res.statusCode, started));
    errorHandler(err, req as never, res as never, () => {});
  };

  /** What express's own start of a request does: its request and response methods, the links between them, the security headers. */
  const asExpress = (req: IncomingMessage, res: ServerResponse) => {
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    Object.assign(req, { res, baseUrl: '' });
    Object.assign(res, { req, locals: Object.create(null) });
    res.setHeaders(headers as Map<string, string>);
  };

  // req.ip as express reads it (its 'trust proxy' setting), for a request express has not seen.
  const ipGetter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(app.request) as object, 'ip')?.get;
  if (!ipGetter) throw new Error("express's request has no ip getter");
  const addressOf = (req: IncomingMessage) => ipGetter.call({ app, headers: req.headers, socket: req.socket, connection: req.socket }) as string | undefined;

  const done = (req: IncomingMessage, res: ServerResponse) => (err?: unknown) => {
    if (err) errorHandler(err, req as never, res as never, () => {});
    else notFound(req as never, res as never, () => {});
  };

  const dispatch = (path: string, route: HotRoute, req: IncomingMessage, res: ServerResponse, body: string, started: number) => {
    const tooMany = countParameters(body, route.parameterLimit) > route.parameterLimit;
    const fields = tooMany ? undefined : parseForm(body);
    if (route.cached && fields) {
      assignRequestId(req);
      let answer: object | undefined;
      try {
        answer = route.cached(req, fields);
      } catch (err) {
        // A fault here must not take the process down (this runs in an event handler): the router answers.
        logger.error({ err, reqId: req.id }, 'answer from memory failed; the router answers');
      }
      if (answer) return sendAnswer(path, req, res, answer, started);
    }
    if (route.direct && fields) {
      assignRequestId(req);
      let answer: Promise<object> | undefined;
      try {
        answer = route.direct(req, fields, addressOf(req));
      } catch (err) {
        return sendError(path, req, res, err, started);
      }
      if (answer) {
        answer.then(
          (body) => sendAnswer(path, req, res, body, started),
          (err: unknown) => sendError(path, req, res, err, started),
        );
        return;
      }
    }
    asExpress(req, res);
    // A middleware that refuses the request (bad bytes at the edge) answers through the error handler.
    let refused: unknown;
    for (const middleware of before) middleware(req as never, res as never, (err?: unknown) => void (refused ??= err));
    if (refused) return done(req, res)(refused);
    req[PREREAD_FORM] = fields ?? bodyError(413, 'parameters.too.many');
    route.router(req as never, res as never, done(req, res));
  };

  return (req, res) => {
    const started = performance.now();
    const path = req.url ?? '';
    const route = req.method === 'POST' ? routes.get(path) : undefined;
    const type = req.headers['content-type'];
    const encoding = req.headers['content-encoding'];
    const length = req.headers['content-length'];
    const plain = route && type && FORM_TYPE.test(type) && (encoding === undefined || encoding.toLowerCase() === 'identity');
    // Too large by its Content-Length: express refuses it before reading, as it should.
    if (!plain || length === undefined || !(Number(length) <= route.limitBytes)) {
      app(req, res);
      return;
    }
    // Node holds the body to its Content-Length, already checked against the limit.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => dispatch(path, route!, req, res, Buffer.concat(chunks).toString('utf8'), started));
    req.on('error', () => res.destroy());
  };
}
