import type { Request, Response } from 'express';
import type { Config } from '../config/index.ts';

/** Every cookie the service sets: its name, path and SameSite. */
const COOKIES = {
  /** The signed-in user (src/account/sign-in.ts). Lax: an app's redirect to /authorize is a top-level GET from its site. */
  session: { name: 'smart_launch_session', path: '/', sameSite: 'lax' },
  /** The authorization request this browser is in (src/oauth/authorize). Lax, for the same reason. */
  interaction: { name: 'smart_launch_interaction', path: '/', sameSite: 'lax' },
  /** The launcher's double-submit CSRF token: only /launcher reads it, and Strict keeps other sites' posts without it. */
  launcherCsrf: { name: 'smart_launch_launcher_csrf', path: '/launcher', sameSite: 'strict' },
} as const;

export type CookieName = keyof typeof COOKIES;

/** HttpOnly always; Secure when the service is served over https. Without maxAge, a browser-session cookie. */
export function setCookie(res: Response, config: Pick<Config, 'issuer'>, cookie: CookieName, value: string, maxAgeSeconds?: number): void {
  const { name, path, sameSite } = COOKIES[cookie];
  res.cookie(name, value, {
    httpOnly: true,
    sameSite,
    secure: config.issuer.startsWith('https:'),
    path,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds * 1000 } : {}),
  });
}

export function clearCookie(res: Response, cookie: CookieName): void {
  const { name, path } = COOKIES[cookie];
  res.clearCookie(name, { path });
}

/** The cookie's value when it is one plausible string (ids and tokens are well under 100 characters). */
export function readCookie(req: Request, cookie: CookieName): string | undefined {
  const value: unknown = req.cookies?.[COOKIES[cookie].name];
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : undefined;
}
