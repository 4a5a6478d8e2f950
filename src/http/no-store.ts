import type { ServerResponse } from 'node:http';

/**
 * Responses that carry tokens, credentials or a user's data are never cached
 * (RFC 6749 §5.1, RFC 7662 §2.2); `Pragma` for HTTP/1.0 caches. Set before
 * the handler runs, so an error answer on the route is not cached either.
 */
export function setNoStore(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

/** The middleware form of setNoStore. */
export function noStore(_req: unknown, res: ServerResponse, next: () => void): void {
  setNoStore(res);
  next();
}
