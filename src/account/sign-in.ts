import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { recordAudit } from '../store/audit.ts';
import { createSession } from '../store/sessions.ts';
import { findUserByUsername, type User } from '../store/users.ts';
import type { Refusal } from '../throttle/index.ts';
import { hashPassword, verifyPassword } from '../tokens/secrets.ts';
import { setCookie } from '../http/cookies.ts';

const credentialsSchema = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

// Compared against when the username is unknown, so both failures take one scrypt's time.
const dummyHash = hashPassword('not a real password');

export type SignInResult =
  | { outcome: 'signed-in'; user: User; session: { id: string; idHash: string } }
  | { outcome: 'invalid'; status: 400 | 401; message: string }
  | { outcome: 'throttled'; refusal: Refusal };

/**
 * One sign-in, for the authorization flow's /login and for the launcher alike.
 * Failures say only "incorrect username or password". Failures are throttled
 * (src/throttle/: per username and address first, progressive delays, a lock only
 * at a much higher count); a refusal comes before any password is checked. On
 * success a session starts and its cookie is set.
 */
export async function signIn(req: Request, res: Response, deps: AppDeps, clientId: string | null): Promise<SignInResult> {
  const parsed = credentialsSchema.safeParse(req.body ?? {});
  if (!parsed.success) return { outcome: 'invalid', status: 400, message: 'Enter your username and password.' };
  const { username, password } = parsed.data;
  const audit = { clientId, requestId: req.id };
  const refusal = await deps.throttles.login.check(username, req.ip);
  if (refusal) {
    await recordAudit(deps.db, { event: 'user.sign_in_failed', ...audit, details: { reason: `throttled:${refusal.reason}` } });
    return { outcome: 'throttled', refusal };
  }

  const user = await findUserByUsername(deps.db, username);
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !passwordOk || user.disabled) {
    // Unknown usernames are counted too: a lock must not tell which accounts exist.
    const { subjectLocked } = await deps.throttles.login.recordFailure(username, req.ip);
    await recordAudit(deps.db, { event: 'user.sign_in_failed', ...audit, userId: user?.id ?? null });
    if (subjectLocked)
      await recordAudit(deps.db, { event: 'user.locked', ...audit, userId: user?.id ?? null, details: { lockSeconds: deps.config.login.lockSeconds } });
    return { outcome: 'invalid', status: 401, message: 'Incorrect username or password.' };
  }
  await deps.throttles.login.recordSuccess(username, req.ip);

  const session = await createSession(deps.db, user.id, deps.config.sessions.lifetimeSeconds);
  setCookie(res, deps.config, 'session', session.id, deps.config.sessions.lifetimeSeconds);
  await recordAudit(deps.db, { event: 'user.signed_in', clientId, userId: user.id, requestId: req.id });
  return { outcome: 'signed-in', user, session };
}

/** 429 with Retry-After, and the message the sign-in form shows: why, and for how long. */
export function throttledMessage(res: Response, refusal: Refusal): string {
  const seconds = refusal.retryAfterSeconds;
  res.status(429).setHeader('Retry-After', String(seconds));
  const wait = seconds < 120 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  const why =
    refusal.reason === 'delay'
      ? 'Too many failed sign-ins from here.'
      : refusal.reason === 'subject'
        ? 'Sign-in to this account is locked after many failed attempts. An administrator can unlock it.'
        : 'Too many failed sign-ins from this network.';
  return `${why} Try again in ${wait}.`;
}
