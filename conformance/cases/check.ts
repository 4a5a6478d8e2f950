import { ErrorPage, FormBrowser } from '../browser.ts';
import type { Harness } from '../harness.ts';

/** One conformance case: a short name that reads like the requirement, and a check that throws why it fails. */
export interface Case {
  group: string;
  name: string;
  run(h: Harness): Promise<void>;
}

export class CaseFailure extends Error {}

export function check(condition: unknown, why: string): asserts condition {
  if (!condition) throw new CaseFailure(why);
}

/** An OAuth error answer: a 4xx with this `error` code (any of several). */
export function checkError(res: Response, body: Record<string, unknown>, codes: string[], statuses = [400, 401]): void {
  check(statuses.includes(res.status), `expected HTTP ${statuses.join(' or ')}, got ${res.status} ${JSON.stringify(body).slice(0, 120)}`);
  check(codes.includes(String(body.error)), `expected error ${codes.join(' or ')}, got ${JSON.stringify(body.error)}`);
}

/**
 * The authorization server refused an authorization request: an error page
 * (no redirect to the app), or a redirect back with `error` and no `code`,
 * before or after sign-in.
 */
export async function checkRefused(h: Harness, url: URL, redirectUri: string, why: string): Promise<void> {
  let callback: URL;
  try {
    callback = await new FormBrowser().authorize(url, { ...h.config.user, redirectUri });
  } catch (error) {
    if (error instanceof ErrorPage && error.status >= 400 && error.status < 500) return;
    throw error;
  }
  check(!callback.searchParams.has('code'), `${why}: the server issued a code`);
  check(callback.searchParams.has('error'), `${why}: the redirect back carries no error`);
}
