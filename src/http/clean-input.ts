import { isUtf8 } from 'node:buffer';
import type { Request, RequestHandler } from 'express';
import { InvalidRequest, type OAuthError } from '../oauth/errors.ts';

/**
 * Bad bytes stop at the edge: a NUL or invalid UTF-8 anywhere in the URL (path
 * and query), in the Authorization header (Basic credentials), in cookies, or in
 * a parsed body (form or JSON) is a 400 invalid_request before anything reaches
 * a handler or the database (PostgreSQL refuses NUL in text, and replacement
 * characters would silently change identifiers).
 *
 * Routers parse their own bodies (each with its own limits), so the body is
 * checked where every parser puts it: on assignment to `req.body`. body-parser
 * turns the thrown error into `next(error)`.
 */
export const rejectBadBytes: RequestHandler = (req, _res, next) => {
  // The hot routes (src/http/hot-routes.ts) run before express has set originalUrl.
  const bad = badUrl(req.originalUrl ?? req.url) ?? badHeaders(req);
  if (bad) return next(badInput(bad, req));
  let body: unknown = req.body;
  Object.defineProperty(req, 'body', {
    configurable: true,
    enumerable: true,
    get: () => body,
    set(value: unknown) {
      const where = badValue(value, 'body');
      if (where) throw badInput(where, req);
      body = value;
    },
  });
  next();
};

function badInput(where: string, req: Request): OAuthError {
  const error = new InvalidRequest(`${where} contains a NUL byte or invalid UTF-8`);
  return req.method === 'GET' && req.accepts(['json', 'html']) === 'html' ? error.asPage() : error;
}

/** Decodes %XX escapes to bytes (other characters as one byte each: Node hands raw URL bytes over as latin1). */
function percentDecode(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = text.charCodeAt(i) & 0xff;
    }
  }
  return out.subarray(0, n);
}

const cleanBytes = (bytes: Buffer) => bytes.indexOf(0) === -1 && isUtf8(bytes);
const cleanEncoded = (text: string) => (/[%\0\x80-\uffff]/.test(text) ? cleanBytes(percentDecode(text)) : true);

function badUrl(url: string): string | undefined {
  const query = url.indexOf('?');
  if (!cleanEncoded(query === -1 ? url : url.slice(0, query))) return 'the request path';
  if (query !== -1 && !cleanEncoded(url.slice(query + 1))) return 'a query parameter';
  return undefined;
}

function badHeaders(req: Pick<Request, 'headers'>): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    if (!/^[\x20-\x7e]*$/.test(authorization)) return 'the Authorization header';
    const basic = /^basic +(.*)$/i.exec(authorization);
    if (basic) {
      // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
      const decoded = Buffer.from(basic[1]!, 'base64');
      if (!cleanBytes(decoded) || !cleanEncoded(decoded.toString('latin1')))
        return 'the Basic credentials';
    }
  }
  const cookie = req.headers.cookie;
  if (cookie !== undefined && !cleanEncoded(cookie)) return 'a cookie';
  return undefined;
}

/**
 * Whether rejectBadBytes would refuse a request to an exact path with this
 * form body: for the hot routes' answers without express (src/http/hot-routes.ts),
 * which leave such a request to the router, and so to rejectBadBytes' own answer.
 */
export function hasBadBytes(req: Pick<Request, 'headers'>, body: Record<string, unknown>): boolean {
  return badHeaders(req) !== undefined || badValue(body, 'body') !== undefined;
}

/** NUL, a replacement character (what invalid UTF-8 decodes to), or a lone surrogate (a JSON "\\ud800"). */
const BAD_TEXT = /[\0\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badValue(value: unknown, where: string): string | undefined {
  if (isBad(value)) return `the ${where}`;
  if (typeof value !== 'object' || value === null) return undefined;
  const key = Object.keys(value).find((k) => isBad(k) || isBad((value as Record<string, unknown>)[k]));
  return key === undefined ? undefined : `the ${where} parameter "${key.replace(/[^\w.-]/g, '?').slice(0, 40)}"`;
}

function isBad(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return BAD_TEXT.test(value);
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  return Object.entries(value).some(([k, v]) => isBad(k) || isBad(v, depth + 1));
}
