import { readFileSync } from 'node:fs';
import type { JsonWebKey } from 'node:crypto';

/**
 * What the bench needs from the shipped demo configuration, read from the
 * files themselves (the bench imports nothing from test/): the demo clients'
 * secrets from smart-config/clients.json and the private halves of the
 * asymmetric clients' keys from test/fixtures/keys/.
 */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const clients = (JSON.parse(readFileSync('smart-config/clients.json', 'utf8')) as { clients: Array<{ id: string; secret?: string; jwks?: unknown }> }).clients;

export function clientSecret(id: string): string {
  const secret = clients.find((c) => c.id === id)?.secret;
  if (!secret) throw new Error(`smart-config/clients.json has no secret for ${id}`);
  return secret;
}

export function clientJwks(id: string): unknown {
  const jwks = clients.find((c) => c.id === id)?.jwks;
  if (!jwks) throw new Error(`smart-config/clients.json has no jwks for ${id}`);
  return jwks;
}

export type BenchKid = 'bulk-exporter-es384-1' | 'bulk-exporter-rs384-1';

export const CLIENT_PRIVATE_KEYS = JSON.parse(readFileSync('test/fixtures/keys/client-private-keys.json', 'utf8')) as Record<BenchKid, JsonWebKey & { alg: string }>;

export function basic(id: string, secret = clientSecret(id)): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const FORM = 'application/x-www-form-urlencoded';
export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
