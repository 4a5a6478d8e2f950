import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { bareId } from '../context/index.ts';
import { recordAudit } from '../store/audit.ts';
import { issueCsrfToken, updateInteraction } from '../store/interactions.ts';
import { clearLoginFailures, lockedUntil, loginAttemptKeys, recordLoginFailure } from '../store/login-attempts.ts';
import { createSession, endSession } from '../store/sessions.ts';
import { findUserByUsername } from '../store/users.ts';
import { hashPassword, verifyPassword } from '../tokens/secrets.ts';
import { html, page } from './html.ts';
import { currentInteraction, requireCsrf, type CurrentInteraction } from './interaction.ts';

export const SESSION_COOKIE = 'smart_launch_session';

const credentialsSchema = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

// Compared against when the username is unknown, so both failures take one scrypt's time.
const dummyHash = hashPassword('not a real password');

/**
 * Sign-in for standalone launches and for EHR launches that name no user.
 * Failures say only "incorrect username or password". Failures are counted per
 * username and per client address (config.login); a locked key is refused with
 * 429 before any password is checked, so a lock cannot be used to guess one.
 */
export function loginRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/login', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await renderLogin(res, deps, interaction, undefined);
  });

  router.post('/login', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    const parsed = credentialsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return renderLogin(res.status(400), deps, interaction, 'Enter your username and password.');

    const { username, password } = parsed.data;
    const keys = loginAttemptKeys(username, req.ip);
    const locked = await lockedUntil(deps.db, keys);
    if (locked) {
      await recordAudit(deps.db, {
        event: 'user.sign_in_failed',
        clientId: interaction.client.id,
        requestId: req.id as string,
        details: { reason: 'locked' },
      });
      return renderLocked(res, deps, interaction, locked);
    }

    const user = await findUserByUsername(deps.db, username);
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (!user || !passwordOk || user.disabled) {
      // Unknown usernames are counted too: a lock must not tell which accounts exist.
      const { login } = deps.config;
      await recordLoginFailure(deps.db, keys[0]!, login);
      await recordLoginFailure(deps.db, keys[1]!, { ...login, maxFailures: login.maxFailuresPerAddress });
      await recordAudit(deps.db, { event: 'user.sign_in_failed', clientId: interaction.client.id, requestId: req.id as string });
      return renderLogin(res.status(401), deps, interaction, 'Incorrect username or password.');
    }
    await clearLoginFailures(deps.db, keys[0]!);

    const session = await createSession(deps.db, user.id, deps.config.sessions.lifetimeSeconds);
    res.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.config.issuer.startsWith('https:'),
      path: '/',
      maxAge: deps.config.sessions.lifetimeSeconds * 1000,
    });
    // A patient signing in to a standalone launch is the patient in context: no picker.
    const context = { ...interaction.context };
    if (
      interaction.row.launch_type === 'standalone' &&
      interaction.requestedScopes.has('launch/patient') &&
      user.fhirUser?.startsWith('Patient/')
    )
      context.patient = bareId(user.fhirUser, 'Patient');
    await updateInteraction(deps.db, interaction.row.id_hash, {
      user_id: user.id,
      fhir_user: user.fhirUser,
      session_id_hash: session.idHash,
      auth_time: new Date(),
      context,
    });
    await recordAudit(deps.db, { event: 'user.signed_in', clientId: interaction.client.id, userId: user.id, requestId: req.id as string });
    res.redirect(303, '/interaction');
  });

  /** Signing out ends the session and every online_access refresh token bound to it. */
  router.post('/logout', async (req, res) => {
    const id: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof id === 'string' && id.length <= 100) await endSession(deps.db, id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.type('html').send(page('Signed out', html`<h1>Signed out</h1><p>You can close this window.</p>`));
  });
  return router;
}

/** 429 with Retry-After: the same sign-in form, saying it is locked and until when. */
async function renderLocked(res: Response, deps: AppDeps, interaction: CurrentInteraction, until: Date) {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  res.status(429).setHeader('Retry-After', String(seconds));
  const minutes = Math.ceil(seconds / 60);
  await renderLogin(
    res,
    deps,
    interaction,
    `Sign-in is locked after too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  );
}

async function renderLogin(res: Response, deps: AppDeps, interaction: CurrentInteraction, error: string | undefined) {
  const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
  res.type('html').send(
    page(
      'Sign in',
      html`<h1>Sign in</h1>
        <p class="muted">${interaction.client.name} asks you to sign in.</p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/login" class="card">
          <input type="hidden" name="csrf" value="${csrf}">
          <label>Username <input type="text" name="username" autocomplete="username" required></label>
          <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
          <button type="submit">Sign in</button>
        </form>`,
    ),
  );
}

