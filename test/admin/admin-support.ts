import { expect } from 'vitest';
import { SECRETS, basic } from '../helpers/oauth.ts';
import type { TestServer } from '../helpers/server.ts';

/** Shared pieces of the admin API tests. Not a test file itself. */

export const adminAuth = (): Record<string, string> => ({ authorization: basic('admin', SECRETS.admin) });

export interface AdminCall {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export async function admin(server: TestServer, path: string, call: AdminCall = {}): Promise<Response> {
  const url = new URL(`/admin${path}`, server.baseUrl);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  return fetch(url, {
    method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
    headers: { ...(call.body === undefined ? {} : { 'content-type': 'application/json' }), ...(call.headers ?? adminAuth()) },
    ...(call.body === undefined ? {} : { body: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) }),
  });
}

/** Calls the admin API and checks the status; returns the JSON body. */
export async function adminJson<T = Record<string, unknown>>(server: TestServer, path: string, status: number, call: AdminCall = {}): Promise<T> {
  const res = await admin(server, path, call);
  const text = await res.text();
  expect(res.status, `${call.method ?? 'GET'} ${path}: ${text.slice(0, 300)}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface AuditItem {
  event: string;
  client: string | null;
  user: string | null;
  patient: string | null;
  details: Record<string, unknown>;
}

/** The newest audit event of this name (through the admin API itself). */
export async function lastAudit(server: TestServer, event: string): Promise<AuditItem | undefined> {
  const page = await adminJson<{ items: AuditItem[] }>(server, '/audit-events', 200, { query: { event, limit: '1' } });
  return page.items[0];
}
