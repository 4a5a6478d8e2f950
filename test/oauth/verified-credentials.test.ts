import { afterEach, expect, it, vi } from 'vitest';
import { attachCaches, Caches, type ChangeFeed } from '../../src/cache/index.ts';
import type { Db } from '../../src/db/index.ts';
import type { Client } from '../../src/store/clients.ts';
import { cachedBasicClient, credentialsGeneration, rememberBasicClient } from '../../src/oauth/client-auth/verified-credentials.ts';

/** A change feed the test drives: live or not, and the changes it announces. */
function testFeed() {
  const listeners: Array<{ change(c: { table: string; key: string }): void; resync(): void }> = [];
  const feed: ChangeFeed & { live: boolean; announce(table: string, key: string): void } = {
    live: true,
    subscribe: (l) => void listeners.push(l),
    close: async () => {},
    announce: (table, key) => listeners.forEach((l) => l.change({ table, key })),
  };
  return feed;
}

function setUp() {
  const db = {} as Db;
  const feed = testFeed();
  attachCaches(db, new Caches(feed));
  return { db, feed };
}

const client = (overrides: Partial<Client> = {}) =>
  ({ id: 'fhir-server', roles: ['introspector'], previousSecretExpiresAt: null, ...overrides }) as Client;
const HEADER = 'Basic Zmhpci1zZXJ2ZXI6c2VjcmV0';

afterEach(() => vi.useRealTimers());

it('answers only for the exact header it checked, until the client changes', () => {
  const { db, feed } = setUp();
  rememberBasicClient(db, HEADER, client(), credentialsGeneration(db));
  expect(cachedBasicClient(db, HEADER)).toMatchObject({ clientId: 'fhir-server', roles: ['introspector'] });
  expect(cachedBasicClient(db, `${HEADER}x`)).toBeUndefined();
  expect(cachedBasicClient(db, HEADER.replace('Basic', 'basic'))).toBeUndefined();
  feed.announce('clients', 'another-client');
  expect(cachedBasicClient(db, HEADER)).toBeDefined();
  feed.announce('clients', 'fhir-server');
  expect(cachedBasicClient(db, HEADER)).toBeUndefined();
});

it('keeps nothing read before a change, and answers nothing while the feed is down', () => {
  const { db, feed } = setUp();
  const generation = credentialsGeneration(db);
  feed.announce('clients', 'fhir-server');
  rememberBasicClient(db, HEADER, client(), generation);
  expect(cachedBasicClient(db, HEADER)).toBeUndefined();
  rememberBasicClient(db, HEADER, client(), credentialsGeneration(db));
  feed.live = false;
  expect(cachedBasicClient(db, HEADER)).toBeUndefined();
});

it('lapses when a previous secret it may have matched stops being accepted', () => {
  vi.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
  const { db } = setUp();
  rememberBasicClient(db, HEADER, client({ previousSecretExpiresAt: new Date('2026-12-01T01:00:00Z') }), credentialsGeneration(db));
  expect(cachedBasicClient(db, HEADER)).toBeDefined();
  vi.setSystemTime(new Date('2026-12-01T01:00:01Z'));
  expect(cachedBasicClient(db, HEADER)).toBeUndefined();
});
