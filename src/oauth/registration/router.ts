import express, { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.ts';
import { parseInput } from '../../http/validate.ts';
import { recordAudit } from '../../store/audit.ts';
import { findClient, insertClient, setClientDisabled, setRegistrationTokenHash, updateClient, type Client } from '../../store/clients.ts';
import { countRequest, postgresLimiter } from '../../throttle/store.ts';
import { randomToken, safeEqual, sha256 } from '../../tokens/secrets.ts';
import { BearerTokenMissing, InvalidClientMetadata, InvalidToken, invalidRequest, RegistrationRateLimited } from '../errors.ts';
import { checkRegistration, clientMetadataSchema } from './metadata.ts';
import { noStore } from '../../http/no-store.ts';

/**
 * Dynamic client registration (RFC 7591) at POST /register, and its
 * management (RFC 7592) at /register/{client_id} with the registration access
 * token: GET reads, PUT replaces, DELETE ends the registration. Mounted only
 * when smart-config/registration.json enables it.
 */
export const REGISTRATION_PATH = '/register';


function bearer(req: Request): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function registrationRouter(deps: AppDeps): Router {
  const router = Router();
  const { registration, issuer } = deps.config;
  if (!registration.enabled) return router;
  const json = express.json({ limit: '32kb', strict: true });
  const perAddress = postgresLimiter(deps.db, { keyPrefix: 'register', points: registration.perAddressPerHour, duration: 3600 });
  /** Every registration request counts, before its body is read and whether or not it is refused: a flood of bad ones costs as much. */
  const countRegistration: RequestHandler = async (req, _res, next) => {
    const retryAfter = await countRequest(perAddress, req.ip ?? 'unknown');
    next(retryAfter === undefined ? undefined : new RegistrationRateLimited(retryAfter));
  };
  const initialTokens = registration.initialAccessTokens.map((t) => (t.startsWith('sha256:') ? t.slice('sha256:'.length) : sha256(t)));

  /** RFC 7591 §3.2.1 / RFC 7592 §3: the client information response. */
  const describe = (client: Client, extra: Record<string, unknown> = {}) => {
    const stored = (client.metadata.registration ?? {}) as Record<string, unknown>;
    return {
      client_id: client.id,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      ...extra,
      registration_client_uri: `${issuer}${REGISTRATION_PATH}/${encodeURIComponent(client.id)}`,
      client_name: client.name,
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
      scope: client.scope,
      ...(client.jwks ? { jwks: client.jwks } : {}),
      ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
      ...stored,
    };
  };
  const metadataOf = (req: Request) => {
    if (!req.is('application/json')) throw invalidRequest('send the client metadata as JSON (Content-Type: application/json)');
    const body = (req.body ?? {}) as Record<string, unknown>;
    return checkRegistration(parseInput(clientMetadataSchema, body, 'invalid_client_metadata'), registration.policy);
  };
  /** The registered client a registration access token is for; every failure reads the same. */
  const managed = async (req: Request): Promise<Client> => {
    const token = bearer(req);
    if (!token) throw new BearerTokenMissing('the registration access token is required');
    const client = await findClient(deps.db, String(req.params.client_id));
    if (!client || client.disabled || !client.registrationTokenHash || !safeEqual(sha256(token), client.registrationTokenHash))
      throw new InvalidToken('the registration access token is not valid for this client');
    return client;
  };

  router.post(REGISTRATION_PATH, noStore, countRegistration, json, async (req, res) => {
    if (registration.access === 'initial-access-token') {
      const token = bearer(req);
      if (!token || !initialTokens.some((hash) => safeEqual(sha256(token), hash)))
        throw new InvalidToken('registration needs a valid initial access token (Authorization: Bearer)');
    }
    const { record } = metadataOf(req);
    const clientId = randomToken().slice(0, 22);
    const secret = record.type === 'confidential-symmetric' ? randomToken() : undefined;
    const accessToken = randomToken();
    const client = await deps.db.transaction().execute(async (trx) => {
      const created = await insertClient(trx, clientId, record, {
        source: 'registration',
        secretHash: secret ? sha256(secret) : null,
        registrationTokenHash: sha256(accessToken),
      });
      await recordAudit(trx, {
        event: 'client.registered',
        clientId,
        requestId: req.id as string,
        details: { type: record.type, access: registration.access, scope: record.scope },
      });
      return created!;
    });
    res.status(201).json(describe(client, {
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      registration_access_token: accessToken,
    }));
  });

  router.get(`${REGISTRATION_PATH}/:client_id`, noStore, async (req, res) => {
    const client = await managed(req);
    res.json(describe(client));
  });

  router.put(`${REGISTRATION_PATH}/:client_id`, noStore, json, async (req, res) => {
    const client = await managed(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // RFC 7592 §2.2: the body carries the client_id; a client_secret, if sent, must be the current one.
    if (body.client_id !== client.id) throw invalidRequest('client_id: must be the client_id of the registration');
    if (body.client_secret !== undefined && (typeof body.client_secret !== 'string' || !client.secretHash || !safeEqual(sha256(body.client_secret), client.secretHash)))
      throw invalidRequest('client_secret: does not match');
    const { record } = metadataOf(req);
    if (record.type !== client.type) throw new InvalidClientMetadata('token_endpoint_auth_method: cannot change the kind of client; register a new one');
    const updated = await deps.db.transaction().execute(async (trx) => {
      const changed = await updateClient(trx, client.id, record);
      await recordAudit(trx, { event: 'client.registration_updated', clientId: client.id, requestId: req.id as string, details: { scope: record.scope } });
      return changed!;
    });
    res.json(describe(updated));
  });

  router.delete(`${REGISTRATION_PATH}/:client_id`, async (req, res) => {
    const client = await managed(req);
    // RFC 7592 §2.3: the client id, its secret and the registration access token stop working.
    await deps.db.transaction().execute(async (trx) => {
      await setClientDisabled(trx, client.id, true);
      await setRegistrationTokenHash(trx, client.id, null);
      await recordAudit(trx, { event: 'client.registration_deleted', clientId: client.id, requestId: req.id as string });
    });
    res.status(204).end();
  });

  return router;
}
