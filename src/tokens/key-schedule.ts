/**
 * When each signing key signs and when it is published: a pure function of
 * the keys' timestamps, so every instance (and the CLI) reaches the same
 * answer from the same rows, and a unit test can call it with plain values.
 *
 * A key is published (in /jwks) from its creation until `retiredAt`; it signs
 * from `activatesAt` until a newer key of its purpose activates. A rotation
 * publishes the new key `publishBeforeUseSeconds` before it signs (so resource
 * servers' JWKS caches hold it first) and plans the old key's retirement for
 * when every token it signed has expired.
 */

export type KeyPurpose = 'access_token' | 'id_token';

export interface ScheduledKey {
  kid: string;
  purpose: KeyPurpose;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
}

export interface RotationPolicy {
  publishBeforeUseSeconds: number;
  /** 0: no automatic rotation. */
  rotateEverySeconds: number;
  /** The longest lifetime of a token each purpose signs. */
  lifetimeSeconds: Record<KeyPurpose, number>;
}

/** Resource servers may accept a token a little past `exp` (clock skew): keep its key that long too. */
export const RETIRE_MARGIN_SECONDS = 60;

export type KeyStatus = 'pending' | 'signing' | 'retiring' | 'retired';

export const isPublished = (key: ScheduledKey, now: Date) => key.retiredAt === null || key.retiredAt > now;

/** The key that signs `purpose` at `now`: of the published keys already active, the one activated last. */
export function signerAt<K extends ScheduledKey>(keys: readonly K[], purpose: KeyPurpose, now: Date): K | undefined {
  let signer: K | undefined;
  for (const key of keys)
    if (key.purpose === purpose && isPublished(key, now) && key.activatesAt <= now && (!signer || key.activatesAt > signer.activatesAt))
      signer = key;
  return signer;
}

/** The next moment the signer of some purpose may change (a pending key activating), or undefined. */
export function nextActivation(keys: readonly ScheduledKey[], now: Date): Date | undefined {
  let next: Date | undefined;
  for (const key of keys) if (key.activatesAt > now && isPublished(key, now) && (!next || key.activatesAt < next)) next = key.activatesAt;
  return next;
}

export function keyStatus(key: ScheduledKey, keys: readonly ScheduledKey[], now: Date): KeyStatus {
  if (!isPublished(key, now)) return 'retired';
  if (key.activatesAt > now) return 'pending';
  return signerAt(keys, key.purpose, now)?.kid === key.kid ? 'signing' : 'retiring';
}

/** True when the automatic schedule should publish the next key of `purpose` now. */
export function rotationDue(keys: readonly ScheduledKey[], purpose: KeyPurpose, policy: RotationPolicy, now: Date): boolean {
  if (policy.rotateEverySeconds <= 0) return false;
  let newest: ScheduledKey | undefined;
  for (const key of keys)
    if (key.purpose === purpose && isPublished(key, now) && (!newest || key.activatesAt > newest.activatesAt)) newest = key;
  if (!newest) return true;
  // The next key should activate rotateEverySeconds after the newest one did, so publish it publishBeforeUse earlier.
  const publishAt = newest.activatesAt.getTime() + (policy.rotateEverySeconds - policy.publishBeforeUseSeconds) * 1000;
  return now.getTime() >= publishAt;
}

export interface RotationPlan {
  activatesAt: Date;
  /** New `retiredAt` of the keys this rotation supersedes. */
  retire: { kid: string; at: Date }[];
}

/**
 * What rotating `purpose` at `now` does: the new key activates after the
 * publication period; the key signing until then retires once the last token
 * it can sign has expired; a pending key it supersedes signed nothing and
 * retires at once.
 */
export function planRotation(
  keys: readonly ScheduledKey[],
  purpose: KeyPurpose,
  policy: RotationPolicy,
  now: Date,
  publishBeforeUseSeconds = policy.publishBeforeUseSeconds,
): RotationPlan {
  const activatesAt = new Date(now.getTime() + publishBeforeUseSeconds * 1000);
  const lastTokenExpires = new Date(activatesAt.getTime() + (policy.lifetimeSeconds[purpose] + RETIRE_MARGIN_SECONDS) * 1000);
  const retire: RotationPlan['retire'] = [];
  for (const key of keys) {
    if (key.purpose !== purpose || !isPublished(key, now)) continue;
    if (key.activatesAt > now) retire.push({ kid: key.kid, at: now });
    else if (key.retiredAt === null || key.retiredAt > lastTokenExpires) retire.push({ kid: key.kid, at: lastTokenExpires });
  }
  return { activatesAt, retire };
}
