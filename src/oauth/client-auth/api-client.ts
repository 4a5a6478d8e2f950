import type { Request } from 'express';
import type { AppDeps } from '../../deps.ts';
import type { Client } from '../../store/clients.ts';
import { AccessDenied } from '../errors.ts';
import { requireConfidentialClient } from './index.ts';

/** The only fields of a JSON API's body or query that are credentials (private_key_jwt); Basic comes in the header. */
export const ASSERTION_FIELDS = ['client_assertion_type', 'client_assertion'] as const;

/**
 * Authenticates the confidential client calling a JSON API (HTTP Basic, or a
 * private_key_jwt assertion in the query or the JSON body) and requires a role.
 * The assertion fields are taken out of the body, so what is left is the request itself.
 */
export async function requireClientWithRole(req: Request, deps: AppDeps, role: string, refusal: string): Promise<Client> {
  const credentials: Record<string, unknown> = {};
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : undefined;
  for (const name of ASSERTION_FIELDS) {
    const value = (req.query as Record<string, unknown>)[name] ?? body?.[name];
    if (value !== undefined) credentials[name] = value;
    if (body) delete body[name];
  }
  const client = await requireConfidentialClient(req, deps, credentials);
  if (!client.roles.includes(role)) throw new AccessDenied(refusal);
  return client;
}
