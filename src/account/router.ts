import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { invalidRequest } from '../oauth/errors.ts';
import { findLiveSession } from '../store/sessions.ts';
import { findUser } from '../store/users.ts';
import { safeEqual, sha256 } from '../tokens/secrets.ts';
import { connectedAppsPage, signedOutPage } from '../ui/connected-apps.ts';
import { listConnectedApps, revokeConnectedApp } from './connected-apps.ts';
import { noStore } from '../http/no-store.ts';
import { readCookie } from '../http/cookies.ts';

const revokeSchema = z.object({ csrf: z.string().min(1).max(200), grant: z.string().min(1).max(200) });

/** The signed-in user (the /login session cookie), if the session is live and the user enabled. */
async function signedInUser(req: Request, deps: AppDeps): Promise<{ userId: string; sessionId: string } | undefined> {
  const id = readCookie(req, 'session');
  if (!id) return undefined;
  const session = await findLiveSession(deps.db, id);
  const user = session && (await findUser(deps.db, session.userId));
  return user && !user.disabled ? { userId: user.id, sessionId: id } : undefined;
}

/**
 * The revoke form's CSRF token: derived from the session id (which only the
 * HttpOnly cookie holds), so a page on another site can neither read nor
 * guess it; the session cookie is SameSite=Lax besides.
 */
const csrfFor = (sessionId: string) => sha256(`connected-apps-csrf:${sessionId}`);

const NOTICES: Record<string, string> = { revoked: 'Access revoked. The app can no longer use any token it held for you.' };

/** GET /account/apps and POST /account/apps/revoke: the user's connected apps. */
export function accountRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  router.get('/account/apps', noStore, async (req, res) => {
    const signedIn = await signedInUser(req, deps);
    if (!signedIn) return res.status(401).type('html').send(signedOutPage());
    const apps = await listConnectedApps(deps, signedIn.userId);
    const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
    res.type('html').send(connectedAppsPage(apps, csrfFor(signedIn.sessionId), notice));
  });

  router.post('/account/apps/revoke', form, async (req, res) => {
    const signedIn = await signedInUser(req, deps);
    if (!signedIn) return res.status(401).type('html').send(signedOutPage());
    const parsed = revokeSchema.safeParse(req.body ?? {});
    if (!parsed.success || !safeEqual(parsed.data.csrf, csrfFor(signedIn.sessionId)))
      throw invalidRequest('This form has expired or did not come from this page. Go back and try again.').asPage();
    if (!(await revokeConnectedApp(deps, signedIn.userId, parsed.data.grant, req.id as string | undefined)))
      throw invalidRequest('That app holds no access for you (already revoked?).').asPage();
    res.redirect(303, '/account/apps?notice=revoked');
  });
  return router;
}
