import { describe, expect, it } from 'vitest';
import {
  RETIRE_MARGIN_SECONDS,
  keyStatus,
  nextActivation,
  planRotation,
  rotationDue,
  signerAt,
  type RotationPolicy,
  type ScheduledKey,
} from '../../src/tokens/key-schedule.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const policy: RotationPolicy = {
  publishBeforeUseSeconds: 3600,
  rotateEverySeconds: 90 * 86_400,
  lifetimeSeconds: { access_token: 3600, id_token: 600 },
};
const key = (kid: string, activatesAt: number, retiredAt: number | null = null, purpose: ScheduledKey['purpose'] = 'access_token'): ScheduledKey => ({
  kid,
  purpose,
  createdAt: at(Math.min(activatesAt, 0)),
  activatesAt: at(activatesAt),
  retiredAt: retiredAt === null ? null : at(retiredAt),
});

/** Applies a plan as rotateKeys does, for walking a schedule through time. */
function rotate(keys: ScheduledKey[], now: number, publishBeforeUse?: number): { keys: ScheduledKey[]; kid: string } {
  const plan = planRotation(keys, 'access_token', policy, at(now), publishBeforeUse);
  const kid = `k${keys.length + 1}`;
  const next = keys.map((k) => {
    const retire = plan.retire.find((r) => r.kid === k.kid);
    return retire ? { ...k, retiredAt: retire.at } : k;
  });
  next.push({ kid, purpose: 'access_token', createdAt: at(now), activatesAt: plan.activatesAt, retiredAt: null });
  return { keys: next, kid };
}

describe('signing-key schedule', () => {
  it('publishes a new key for publishBeforeUseSeconds before it signs, then it signs', () => {
    const { keys } = rotate([key('k1', 0)], 100);
    expect(signerAt(keys, 'access_token', at(100))?.kid).toBe('k1');
    expect(signerAt(keys, 'access_token', at(100 + 3599))?.kid).toBe('k1');
    expect(keyStatus(keys[1]!, keys, at(200))).toBe('pending');
    expect(signerAt(keys, 'access_token', at(100 + 3600))?.kid).toBe('k2');
    expect(nextActivation(keys, at(100))).toEqual(at(3700));
    expect(nextActivation(keys, at(3700))).toBeUndefined();
  });

  it('keeps the old key published until every token it signed has expired, then retires it', () => {
    const { keys } = rotate([key('k1', 0)], 100);
    // k1 signs until 3700; its last token lives 3600 s, plus the clock-skew margin.
    const retiresAt = 3700 + 3600 + RETIRE_MARGIN_SECONDS;
    expect(keys[0]!.retiredAt).toEqual(at(retiresAt));
    expect(keyStatus(keys[0]!, keys, at(retiresAt - 1))).toBe('retiring');
    expect(keyStatus(keys[0]!, keys, at(retiresAt))).toBe('retired');
  });

  it('retires each purpose after its own token lifetime (id_tokens here live 600 s)', () => {
    const plan = planRotation([key('r1', 0, null, 'id_token')], 'id_token', policy, at(0));
    expect(plan.retire).toEqual([{ kid: 'r1', at: at(3600 + 600 + RETIRE_MARGIN_SECONDS) }]);
  });

  it('a rotation while a key is pending retires the pending key at once (it signed nothing)', () => {
    let { keys } = rotate([key('k1', 0)], 100);
    ({ keys } = rotate(keys, 200));
    expect(keyStatus(keys[1]!, keys, at(200))).toBe('retired');
    expect(signerAt(keys, 'access_token', at(3700))?.kid).toBe('k1');
    expect(signerAt(keys, 'access_token', at(3800))?.kid).toBe('k3');
  });

  it('an immediate rotation (publishBeforeUse 0) signs at once and keeps the old key for its tokens', () => {
    const { keys } = rotate([key('k1', 0)], 100, 0);
    expect(signerAt(keys, 'access_token', at(100))?.kid).toBe('k2');
    expect(keyStatus(keys[0]!, keys, at(100))).toBe('retiring');
  });

  it('the schedule is due once the newest key has signed rotateEvery minus the publication period', () => {
    const keys = [key('k1', 0)];
    const dueAt = 90 * 86_400 - 3600;
    expect(rotationDue(keys, 'access_token', policy, at(dueAt - 1))).toBe(false);
    expect(rotationDue(keys, 'access_token', policy, at(dueAt))).toBe(true);
    const rotated = rotate(keys, dueAt).keys;
    expect(rotationDue(rotated, 'access_token', policy, at(dueAt + 1))).toBe(false);
    expect(rotationDue(keys, 'access_token', { ...policy, rotateEverySeconds: 0 }, at(10 * dueAt))).toBe(false);
    expect(rotationDue(keys, 'id_token', policy, at(0))).toBe(true);
  });
});
