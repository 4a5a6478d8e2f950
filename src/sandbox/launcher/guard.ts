import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.ts';
import { OAuthError, invalidRequest } from '../../oauth/errors.ts';
import { findLiveSession } from '../../store/sessions.ts';
import { findUser, type User } from '../../store/users.ts';
import { randomToken, safeEqual } from '../../tokens/secrets.ts';
import { readCookie, setCookie } from '../../http/cookies.ts';

/** A fresh CSRF token for the launcher's forms, set as the cookie it must match. */
export function issueLauncherCsrf(res: Response, deps: AppDeps): string {
  // With helmet's no-referrer a browser sends `Origin: null` on a form post; same-origin keeps the real one.
  res.setHeader('Referrer-Policy', 'same-origin');
  const csrf = randomToken();
  setCookie(res, deps.config, 'launcherCsrf', csrf);
  return csrf;
}

/**
 * Every launcher POST: the browser must say it is same-origin (Sec-Fetch-Site,
 * which scripts cannot set; else Origin), and the form's CSRF token must match
 * the cookie. A planted cookie alone, from another origin, fails.
 */
export function requireLauncherPost(req: Request, deps: AppDeps): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  if (site !== undefined) {
    if (site !== 'same-origin') throw forbidden(`this form was sent from another site (Sec-Fetch-Site: ${String(site)}); use the launcher page itself`);
  } else if (origin !== undefined && origin !== new URL(deps.config.issuer).origin && origin !== `${req.protocol}://${req.headers.host}`) {
    throw forbidden(`this form was sent from ${origin}, not from this service (${new URL(deps.config.issuer).origin})`);
  }
  const cookie = readCookie(req, 'launcherCsrf');
  const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
  if (!cookie || typeof sent !== 'string' || !safeEqual(cookie, sent))
    throw invalidRequest('This form has expired or did not come from the launcher page. Reload the launcher and try again.').asPage();
}

const forbidden = (description: string) => new OAuthError('access_denied', description).asPage();

export interface LauncherUser extends User {
  sessionIdHash: string;
  /** Practitioner: a provider EHR. Patient: a patient portal. */
  kind: 'provider' | 'patient';
}

/** The signed-in user (the launcher's own session cookie), or undefined: the launcher then shows its sign-in page. */
export async function launcherUser(req: Request, deps: AppDeps): Promise<LauncherUser | undefined> {
  const id = readCookie(req, 'session');
  if (!id) return undefined;
  const session = await findLiveSession(deps.db, id);
  const user = session && (await findUser(deps.db, session.userId));
  if (!session || !user || user.disabled) return undefined;
  return { ...user, sessionIdHash: session.idHash, kind: user.fhirUser?.startsWith('Patient/') ? 'patient' : 'provider' };
}

/**
 * Only users with the `launch` role (smart-config/users.json) use the launcher,
 * and only as a Practitioner (provider EHR) or a Patient (patient portal).
 */
export function launchRefusal(deps: AppDeps, user: User): string | undefined {
  const configured = deps.config.users.find((u) => u.id === user.id);
  if (!configured?.roles.includes('launch'))
    return `${user.username} may not use the launcher: give the user "roles": ["launch"] in smart-config/users.json.`;
  if (!/^(Practitioner|Patient)\//.test(user.fhirUser ?? ''))
    return `${user.username} (${user.fhirUser ?? 'no fhirUser'}) cannot launch apps: the simulated EHR launches as a Practitioner or a Patient.`;
  return undefined;
}
