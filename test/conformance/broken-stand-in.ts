import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately broken authorization server for the conformance suite's own
 * tests: a proxy in front of the real service that breaks one rule per fault.
 * The real service is never weakened; each fault lives only here.
 */
export interface Exchange {
  method: string;
  url: URL;
  form: URLSearchParams;
}
export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}
export interface Fault {
  /** Change the request before it reaches the service, or answer it here. */
  request?(exchange: Exchange): Answer | void;
  /** Change the service's answer. */
  response?(exchange: Exchange, answer: Answer): void;
}

const FIXED_VERIFIER = 'stand-in-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const json = (answer: Answer) => JSON.parse(answer.body) as Record<string, unknown>;
const setJson = (answer: Answer, value: unknown) => void (answer.body = JSON.stringify(value));
const isToken = (e: Exchange) => e.method === 'POST' && e.url.pathname === '/token';

/** Faults that break one SMART rule each (the name says which). */
export const FAULTS = {
  plainAdvertised: {
    response: (e, a) => {
      if (e.url.pathname.endsWith('/smart-configuration')) setJson(a, { ...json(a), code_challenge_methods_supported: ['S256', 'plain'] });
    },
  },
  pkceNotRequired: {
    // Any challenge (or none) becomes one for a verifier the stand-in supplies itself.
    request: (e) => {
      if (e.url.pathname === '/authorize') {
        e.url.searchParams.set('code_challenge', createHash('sha256').update(FIXED_VERIFIER).digest('base64url'));
        e.url.searchParams.set('code_challenge_method', 'S256');
      }
      if (isToken(e) && e.form.get('grant_type') === 'authorization_code') e.form.set('code_verifier', FIXED_VERIFIER);
    },
  },
  stateMangled: {
    response: (e, a) => {
      const location = a.headers.get('location');
      if (!location || !location.includes('state=')) return;
      const target = new URL(location, e.url);
      target.searchParams.set('state', String(target.searchParams.get('state')).split(/[ +]/)[0] ?? '');
      a.headers.set('location', target.href);
    },
  },
  codeReplayAccepted: replayCache((e) => (e.form.get('grant_type') === 'authorization_code' ? e.form.get('code') : null)),
  assertionReplayAccepted: replayCache((e) => e.form.get('client_assertion')),
  unsupportedGrantIs500: {
    response: (e, a) => {
      if (isToken(e) && a.status === 400 && json(a).error === 'unsupported_grant_type') a.status = 500;
    },
  },
  introspectionSaysActive: {
    response: (e, a) => {
      if (e.url.pathname === '/introspect' && json(a).active === false) setJson(a, { active: true, client_id: 'someone', scope: 'patient/*.rs' });
    },
  },
  audNotChecked: {
    request: (e) => {
      if (e.url.pathname === '/authorize' && e.url.searchParams.has('aud')) e.url.searchParams.set('aud', `${e.url.origin}/fhir`);
    },
  },
  openRedirect: {
    request: (e) => {
      const to = e.url.pathname === '/authorize' ? e.url.searchParams.get('redirect_uri') : null;
      if (to?.includes('attacker')) return { status: 302, headers: new Headers({ location: `${to}?error=invalid_request` }), body: '' };
    },
  },
  redirectUriNotBound: {
    request: (e) => {
      const uri = isToken(e) ? e.form.get('redirect_uri') : null;
      if (uri?.endsWith('other')) e.form.set('redirect_uri', uri.slice(0, -'other'.length));
    },
  },
  refreshWidens: {
    response: (e, a) => {
      if (isToken(e) && e.form.get('grant_type') === 'refresh_token' && a.status === 200) setJson(a, { ...json(a), scope: `${json(a).scope} user/*.cruds` });
    },
  },
  revocationIgnored: {
    request: (e) => {
      if (e.url.pathname === '/revoke') return { status: 200, headers: new Headers(), body: '' };
    },
  },
  idTokenTampered: {
    response: (e, a) => {
      if (!isToken(e) || a.status !== 200 || typeof json(a).id_token !== 'string') return;
      const [header, payload, signature] = String(json(a).id_token).split('.');
      const claims = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone-else' };
      setJson(a, { ...json(a), id_token: `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}` });
    },
  },
  introspectionWithoutClientId: {
    response: (e, a) => {
      if (e.url.pathname !== '/introspect' || json(a).active !== true) return;
      const { client_id: _dropped, ...rest } = json(a);
      setJson(a, rest);
    },
  },
  cacheableTokensForPublicClients: {
    response: (e, a) => {
      if (!isToken(e) || !e.form.has('client_id') || e.form.has('client_assertion')) return;
      a.headers.delete('cache-control');
      a.headers.delete('pragma');
    },
  },
  noExpiresInForBasicClients: {
    response: (e, a) => {
      if (isToken(e) && a.status === 200 && !e.form.has('client_id') && !e.form.has('client_assertion')) {
        const { expires_in: _dropped, ...rest } = json(a);
        setJson(a, rest);
      }
    },
  },
} satisfies Record<string, Fault>;

export type FaultName = keyof typeof FAULTS;

/** Answers a second request with the same key as the first was answered (a store that forgets to spend it). */
function replayCache(key: (e: Exchange) => string | null): Fault {
  const seen = new Map<string, Answer>();
  return {
    request: (e) => {
      const k = isToken(e) ? key(e) : null;
      const earlier = k ? seen.get(k) : undefined;
      if (earlier) return { ...earlier, headers: new Headers(earlier.headers) };
    },
    response: (e, a) => {
      const k = isToken(e) ? key(e) : null;
      if (k && a.status === 200) seen.set(k, { ...a, headers: new Headers(a.headers) });
    },
  };
}

/** The stand-in: a proxy on 127.0.0.1 to `target`, applying the current faults. */
export async function startStandIn(): Promise<{ url: string; target(url: string): void; faults: Fault[]; close(): Promise<void> }> {
  let target = '';
  const faults: Fault[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString();
        const isForm = /x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
        const exchange: Exchange = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://stand-in'), form: new URLSearchParams(isForm ? raw : '') };
        exchange.url = new URL(`${exchange.url.pathname}${exchange.url.search}`, `http://${req.headers.host}`);
        let answer: Answer | undefined;
        for (const f of faults) answer ??= f.request?.(exchange) ?? undefined;
        if (!answer) {
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length'].includes(k)) headers.set(k, v);
          const forwarded = await fetch(`${target}${exchange.url.pathname}${exchange.url.search}`, {
            method: exchange.method,
            headers,
            redirect: 'manual',
            ...(exchange.method === 'GET' || exchange.method === 'HEAD' ? {} : { body: isForm ? exchange.form.toString() : raw }),
          });
          answer = { status: forwarded.status, headers: new Headers(forwarded.headers), body: await forwarded.text() };
          for (const f of faults) f.response?.(exchange, answer);
        }
        const out: Record<string, string | string[]> = {};
        answer.headers.forEach((v, k) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'set-cookie', 'connection', 'keep-alive'].includes(k)) out[k] = v;
        });
        const cookies = answer.headers.getSetCookie();
        if (cookies.length) out['set-cookie'] = cookies;
        res.writeHead(answer.status, out).end(answer.body);
      })().catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target: (url) => void (target = url),
    faults,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
