import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../src/db/index.ts';
import { FailureThrottle, type FailureLimits } from '../../src/throttle/index.ts';

const limits: FailureLimits = { freeFailures: 2, firstDelaySeconds: 10, maxDelaySeconds: 35, lockFailures: 6, addressLockFailures: 9, windowSeconds: 3600, lockSeconds: 600 };

/** The throttle's counting on the real store (PGlite): delays double, locks come only at the higher counts. */
describe('FailureThrottle', () => {
  let database: OpenDatabase;
  let throttle: FailureThrottle;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dir: 'memory' });
    await migrateToLatest(database.db);
    throttle = new FailureThrottle(database.db, 'unit', limits, true);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('lets the free failures pass, then delays first, 2 x first, 4 x first... capped', async () => {
    const waits: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) {
      await throttle.recordFailure('alice', '10.0.0.1');
      waits.push((await throttle.check('alice', '10.0.0.1'))?.retryAfterSeconds);
    }
    // Ceil of the milliseconds left: the exact value or one second less on a slow machine.
    const near = (expected: number) => expect.toSatisfy((w: number) => w <= expected && w >= expected - 1);
    expect(waits).toEqual([undefined, undefined, near(10), near(20), near(35)]);
    expect(await throttle.check('alice', '10.0.0.2')).toBeUndefined();
  });

  it('locks the subject at lockFailures from many addresses, saying so once; a remembered address still passes', async () => {
    await throttle.recordSuccess('bob', '10.1.0.1');
    const locked: boolean[] = [];
    for (let i = 0; i < limits.lockFailures + 2; i++) locked.push((await throttle.recordFailure('bob', `10.2.0.${i}`)).subjectLocked);
    expect(locked.filter(Boolean)).toHaveLength(1);
    expect(locked.indexOf(true)).toBe(limits.lockFailures);
    expect(await throttle.check('bob', '10.3.0.1')).toMatchObject({ reason: 'subject' });
    expect(await throttle.check('bob', '10.1.0.1')).toBeUndefined();
  });

  it('blocks an address at addressLockFailures, whatever the subjects', async () => {
    for (let i = 0; i <= limits.addressLockFailures; i++) await throttle.recordFailure(`user-${i}`, '10.9.9.9');
    expect(await throttle.check('someone-else', '10.9.9.9')).toMatchObject({ reason: 'address' });
    expect(await throttle.check('someone-else', '10.9.9.8')).toBeUndefined();
  });
});
