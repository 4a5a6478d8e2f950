import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/index.ts';
import {
  eraseRetiredPrivateKeys,
  insertSigningKey,
  listSigningKeys,
  scheduleRetirement,
  withSigningKeyLock,
} from '../store/signing-keys.ts';
import { isPublished, planRotation, rotationDue, signerAt, type KeyPurpose, type RotationPolicy } from './key-schedule.ts';
import { generateSigningKey, KEY_ALGORITHMS, type KeyRing } from './keys.ts';

const PURPOSES = Object.keys(KEY_ALGORITHMS) as KeyPurpose[];

/** The rotation policy from server.json `keys` and the token lifetimes each key's tokens live. */
export function rotationPolicy(config: Config): RotationPolicy {
  return {
    publishBeforeUseSeconds: config.keys.publishBeforeUseSeconds,
    rotateEverySeconds: config.keys.rotateEverySeconds,
    lifetimeSeconds: {
      access_token: Math.max(config.tokens.accessTokenLifetimeSeconds, config.tokens.backendAccessTokenLifetimeSeconds),
      id_token: config.tokens.idTokenLifetimeSeconds,
    },
  };
}

/**
 * First start: a signing key for each purpose that has none, active at once
 * (nothing was signed before, so there is nothing to wait for). Under the
 * signing-key lock, so instances starting together end up with the same keys.
 */
export async function ensureSigningKeys(db: Db): Promise<void> {
  await withSigningKeyLock(db, async (trx) => {
    const now = new Date();
    const keys = await listSigningKeys(trx, { publishedAt: now });
    for (const purpose of PURPOSES)
      if (!signerAt(keys, purpose, now)) await insertSigningKey(trx, await generateSigningKey(purpose, now));
  });
}

export interface RotateOptions {
  /** Default: both purposes. */
  purposes?: readonly KeyPurpose[];
  /** The automatic schedule: rotate a purpose only if it is due (checked again under the lock). */
  onlyIfDue?: boolean;
  /** Override the policy's publication period (0: sign at once, for a compromised key). */
  publishBeforeUseSeconds?: number;
  /** The clock (tests): default the time the lock is held. */
  now?: Date;
}

export interface RotatedKey {
  purpose: KeyPurpose;
  kid: string;
  alg: string;
  activatesAt: Date;
  retired: { kid: string; at: Date }[];
}

/**
 * Publishes a new key per purpose that signs after the publication period and
 * plans the retirement of the keys it supersedes (key-schedule.ts). One
 * transaction under the signing-key lock: instances, and the CLI, rotate one
 * at a time, and the `onlyIfDue` check sees the rotation another just made.
 * Key pairs are generated before the lock (RSA takes a while), so the lock is
 * held for a few statements only.
 */
export async function rotateKeys(db: Db, policy: RotationPolicy, options: RotateOptions = {}): Promise<RotatedKey[]> {
  const purposes = options.purposes ?? PURPOSES;
  const pairs = await Promise.all(purposes.map((purpose) => generateSigningKey(purpose, new Date())));
  return withSigningKeyLock(db, async (trx) => {
    const now = options.now ?? new Date();
    const keys = await listSigningKeys(trx, { publishedAt: now });
    const rotated: RotatedKey[] = [];
    for (const key of pairs) {
      const { purpose } = key;
      if (options.onlyIfDue && !rotationDue(keys, purpose, policy, now)) continue;
      const plan = planRotation(keys, purpose, policy, now, options.publishBeforeUseSeconds);
      await insertSigningKey(trx, { ...key, activatesAt: plan.activatesAt });
      for (const { kid, at } of plan.retire) await scheduleRetirement(trx, kid, at);
      rotated.push({ purpose, kid: key.kid, alg: key.alg, activatesAt: plan.activatesAt, retired: plan.retire });
    }
    await eraseRetiredPrivateKeys(trx, now);
    return rotated;
  });
}

/**
 * Every `keys.reloadIntervalSeconds`: re-read the keys (so a rotation made by
 * another instance or the CLI is seen within seconds), rotate when the
 * automatic schedule says so, and erase private keys that just retired.
 */
export function startKeySchedule(ring: KeyRing, db: Db, config: Config, logger: Logger): { stop(): void } {
  const policy = rotationPolicy(config);
  let running = false;
  const tick = async () => {
    const now = new Date();
    if (PURPOSES.some((purpose) => rotationDue(ring.scheduled, purpose, policy, now))) {
      const rotated = await rotateKeys(db, policy, { onlyIfDue: true });
      for (const r of rotated) logger.info({ purpose: r.purpose, kid: r.kid, activatesAt: r.activatesAt }, 'signing key rotated (scheduled)');
    }
    if (ring.scheduled.some((key) => !isPublished(key, now) && key.privateJwk)) await eraseRetiredPrivateKeys(db, now);
    await ring.reloadKeys();
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick()
      .catch((err: unknown) => logger.warn({ err }, 'reloading or rotating signing keys failed; keeping the loaded keys'))
      .finally(() => (running = false));
  }, config.keys.reloadIntervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
