import { request as httpRequest } from 'node:http';
import { parse } from 'node-html-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, authorizeUrl, pkce } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { unlockUser } from '../../src/store/throttle.ts';
import { subjectKey } from '../../src/throttle/failures.ts';

/**
 * A TestBrowser whose requests leave from a chosen loopback address (127.0.0.x),
 * so the per-address sign-in limit can be tested apart from the per-username one.
 */
class AddressedBrowser extends TestBrowser {
  constructor(baseUrl: string, readonly address: string) {
    super(baseUrl);
  }

  protected override async send(method: string, target: URL, headers: Record<string, string>, body: string | undefined): Promise<Response> {
    const { status, rawHeaders, text } = await new Promise<{ status: number; rawHeaders: string[]; text: string }>((resolve, reject) => {
      const req = httpRequest(target, { method, headers, localAddress: this.address }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    const responseHeaders = new Headers();
    for (let i = 0; i < rawHeaders.length; i += 2) responseHeaders.append(rawHeaders[i]!, rawHeaders[i + 1]!);
    const response = new Response(text, { status, headers: responseHeaders });
    Object.defineProperty(response, 'url', { value: target.toString() });
    return response;
  }
}

const NURSE = { username: 'nurse.lee', password: 'lee-demo' };

describeEachDatabase('Sign-in', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    // Tests below lock addresses; each test uses its own loopback addresses (127.0.0.x).
    server = await startTestServer(kind, {
      // Delays long enough that no step of a test outlives them on a loaded machine.
      configure: (config) => Object.assign(config.login, { freeFailures: 5, firstDelaySeconds: 60, lockFailures: 10, addressLockFailures: 12 }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A browser (from `address`) at the sign-in page of a new standalone authorization. */
  async function atLogin(address = '127.0.0.1') {
    const browser = address === '127.0.0.1' ? new TestBrowser(server.baseUrl) : new AddressedBrowser(server.baseUrl, address);
    const { challenge } = pkce();
    const url = authorizeUrl(server, {
      client_id: 'growth-chart',
      redirect_uri: GROWTH_CHART_REDIRECT,
      scope: 'openid fhirUser user/Patient.rs',
      state: 's',
      code_challenge: challenge,
    });
    const step = await browser.follow(await browser.get(url));
    expect(new URL(step.url).pathname).toBe('/login');
    return { browser, form: readForm(await step.res.text()) };
  }

  /** Posts the sign-in form once; returns the status and the page's alert text. */
  async function signIn(address: string, credentials: { username: string; password: string }) {
    const { browser, form } = await atLogin(address);
    const res = await browser.post('/login', { ...form.fields, ...credentials });
    const text = res.status === 303 ? '' : await res.text();
    expect(res.status).not.toBe(500);
    return { status: res.status, alert: parse(text).querySelector('[role=alert]')?.text ?? '', res, location: res.headers.get('location') };
  }

  it('answers a wrong password and an unknown username alike: 401 with one generic message', async () => {
    const wrong = await signIn('127.0.0.1', { username: 'dr.carter', password: 'nope' });
    const unknown = await signIn('127.0.0.1', { username: 'nobody-here', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.alert).toBe('Incorrect username or password.');
    expect(unknown.alert).toBe(wrong.alert);
    const ok = await signIn('127.0.0.1', { username: 'dr.carter', password: 'carter-demo' });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe('/interaction');
  });

  it('refuses a form whose CSRF token is missing, wrong or already spent', async () => {
    const { browser, form } = await atLogin();
    const { csrf, ...withoutToken } = form.fields;
    expect((await browser.post('/login', { ...withoutToken, ...NURSE })).status).toBe(400);
    expect((await browser.post('/login', { ...withoutToken, csrf: 'forged', ...NURSE })).status).toBe(400);

    const first = await browser.post('/login', { ...form.fields, username: 'nurse.lee', password: 'wrong' });
    expect(first.status).toBe(401);
    // The failed attempt spent the token: replaying the same form is refused even with the right password.
    const replay = await browser.post('/login', { ...form.fields, ...NURSE });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/expired or was already sent/);
    // The page the 401 showed carries a fresh token that works once.
    const fresh = readForm(await first.text());
    expect(fresh.fields.csrf).not.toBe(csrf);
    expect((await browser.post('/login', { ...fresh.fields, ...NURSE })).status).toBe(303);
    expect((await browser.post('/login', { ...fresh.fields, ...NURSE })).status).toBe(400);
  });

  it("refuses a form posted with another browser's interaction cookie, both ways", async () => {
    const a = await atLogin();
    const b = await atLogin();
    const swap = (from: TestBrowser, to: TestBrowser) => {
      const saved = new Map(from.cookies);
      from.cookies.clear();
      for (const [k, v] of to.cookies) from.cookies.set(k, v);
      return () => {
        from.cookies.clear();
        for (const [k, v] of saved) from.cookies.set(k, v);
      };
    };
    // A's form with B's cookie, then B's form with A's cookie: neither token belongs to that interaction.
    let restore = swap(a.browser, b.browser);
    expect((await a.browser.post('/login', { ...a.form.fields, ...NURSE })).status).toBe(400);
    restore();
    restore = swap(b.browser, a.browser);
    expect((await b.browser.post('/login', { ...b.form.fields, ...NURSE })).status).toBe(400);
    restore();
    // Each form still works in its own browser: the mismatches spent nothing.
    expect((await a.browser.post('/login', { ...a.form.fields, ...NURSE })).status).toBe(303);
    expect((await b.browser.post('/login', { ...b.form.fields, ...NURSE })).status).toBe(303);
    // Without any interaction cookie there is nothing to sign in to.
    const stranger = new TestBrowser(server.baseUrl);
    expect((await stranger.post('/login', { ...a.form.fields, ...NURSE })).status).toBe(400);
  });

  it('delays a username at one address after freeFailures failures; the same user elsewhere signs in', async () => {
    const { freeFailures, firstDelaySeconds } = server.config.login;
    // Usernames are counted case-insensitively.
    for (let i = 0; i <= freeFailures; i++) {
      const username = i % 2 ? 'NURSE.LEE' : 'nurse.lee';
      expect((await signIn('127.0.0.2', { username, password: `wrong-${i}` })).status).toBe(401);
    }
    // One failure past the free ones: a delay, even for the right password, before it is checked.
    const delayed = await signIn('127.0.0.2', NURSE);
    expect(delayed.status).toBe(429);
    expect(delayed.alert).toMatch(/Too many failed sign-ins from here/);
    const retryAfter = Number(delayed.res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(firstDelaySeconds);
    // The victim, from their own address, is not affected.
    expect((await signIn('127.0.0.3', NURSE)).status).toBe(303);
  });

  it('locks an account only at lockFailures from many addresses, audits it, spares its known addresses; unlockUser lifts it', async () => {
    const { lockFailures } = server.config.login;
    const amy = { username: 'amy', password: 'amy-demo' };
    expect((await signIn('127.0.1.1', amy)).status).toBe(303);
    for (let i = 0; i <= lockFailures; i++)
      expect((await signIn(`127.0.2.${i + 1}`, { ...amy, password: 'wrong' })).status).toBe(401);
    const locked = await signIn('127.0.3.1', amy);
    expect(locked.status).toBe(429);
    expect(locked.alert).toMatch(/locked/);
    expect(Number(locked.res.headers.get('retry-after'))).toBeGreaterThan(60);
    const audits = await server.deps.db.selectFrom('audit_events').select('user_id').where('event', '=', 'user.locked').execute();
    expect(audits).toEqual([{ user_id: 'amy-shaw' }]);
    // Where the user signed in before, the account lock does not reach.
    expect((await signIn('127.0.1.1', amy)).status).toBe(303);
    expect(await unlockUser(server.deps.db, 'AMY')).toBeGreaterThan(0);
    expect((await signIn('127.0.3.1', amy)).status).toBe(303);
  });

  it('blocks an address after addressLockFailures failures, whatever the usernames', async () => {
    const { addressLockFailures } = server.config.login;
    for (let i = 0; i <= addressLockFailures; i++)
      expect((await signIn('127.0.0.4', { username: `ghost-${i}`, password: 'wrong' })).status).toBe(401);
    const blocked = await signIn('127.0.0.4', { username: 'amy', password: 'amy-demo' });
    expect(blocked.status).toBe(429);
    expect(blocked.alert).toMatch(/this network/);
    expect((await signIn('127.0.0.5', { username: 'amy', password: 'amy-demo' })).status).toBe(303);
  });

  it('forgets the failures at an address after a successful sign-in there', async () => {
    const { freeFailures } = server.config.login;
    const carla = { username: 'carla', password: 'carla-demo' };
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < freeFailures; i++) expect((await signIn('127.0.0.6', { ...carla, password: 'x' })).status).toBe(401);
      // Uncleared, the second round would run past the free failures into delays.
      expect((await signIn('127.0.0.6', carla)).status).toBe(303);
    }
  });

  it('counts concurrent failures exactly once each', async () => {
    const n = server.config.login.freeFailures + 2;
    const pages = await Promise.all(Array.from({ length: n }, () => atLogin('127.0.0.8')));
    const statuses = await Promise.all(
      pages.map(async ({ browser, form }) => (await browser.post('/login', { ...form.fields, username: 'race.user', password: 'wrong' })).status),
    );
    expect(statuses).toEqual(Array(n).fill(401));
    const row = await server.deps.db
      .selectFrom('rate_limits')
      .select('points')
      .where('key', '=', `login-pair:${subjectKey('race.user')}:127.0.0.8`)
      .executeTakeFirstOrThrow();
    expect(row.points).toBe(n);
    expect((await signIn('127.0.0.8', { username: 'race.user', password: 'wrong' })).status).toBe(429);
  });
});
