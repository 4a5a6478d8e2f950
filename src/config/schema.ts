import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });
const seconds = (max: number) => z.number().int().positive().max(max);

/** Failure throttling of one kind (src/throttle/): per (subject, address), per subject, per address. */
function failureLimits(d: Record<'freeFailures' | 'firstDelaySeconds' | 'maxDelaySeconds' | 'lockFailures' | 'addressLockFailures' | 'windowSeconds' | 'lockSeconds', number>) {
  return z
    .strictObject({
      /** Failures per (subject, address) before each further one doubles a delay (1 s, 2 s, 4 s...). */
      freeFailures: z.number().int().min(1).max(1_000_000).default(d.freeFailures),
      firstDelaySeconds: seconds(3600).default(d.firstDelaySeconds),
      /** The first delay doubles with each further failure, up to this. */
      maxDelaySeconds: seconds(86_400).default(d.maxDelaySeconds),
      /** Failures per username / client id, from any address, that lock it (much higher than freeFailures). */
      lockFailures: z.number().int().min(1).max(1_000_000).default(d.lockFailures),
      /** Failures per address, whatever the subject, that block the address. */
      addressLockFailures: z.number().int().min(1).max(1_000_000).default(d.addressLockFailures),
      windowSeconds: seconds(86_400).default(d.windowSeconds),
      lockSeconds: seconds(86_400).default(d.lockSeconds),
    })
    .prefault({});
}

export const serverFileSchema = z.strictObject({
  issuer: httpUrl.optional(),
  port: z.number().int().min(0).max(65535).default(3000),
  host: z.string().default('127.0.0.1'),
  fhirBaseUrl: httpUrl.optional(),
  /** Further resource identifiers accepted as `aud`, besides the FHIR base URL. */
  extraAudiences: z.array(httpUrl).default([]),
  /** A SMART style document hosted elsewhere, for launches without their own; default: smart-style.json, hosted here. */
  smartStyleUrl: httpUrl.optional(),
  tokens: z
    .strictObject({
      accessTokenLifetimeSeconds: seconds(86_400).default(3600),
      backendAccessTokenLifetimeSeconds: seconds(3600).default(300),
      idTokenLifetimeSeconds: seconds(86_400).default(3600),
      codeLifetimeSeconds: seconds(600).default(60),
      offlineRefreshLifetimeSeconds: seconds(31_536_000).default(7_776_000),
      onlineRefreshLifetimeSeconds: seconds(86_400).default(28_800),
      maxAccessTokenBytes: z.number().int().min(512).max(65_536).default(8192),
    })
    .prefault({}),
  launches: z
    .strictObject({
      defaultExpiresInSeconds: seconds(86_400).default(300),
      maxExpiresInSeconds: seconds(86_400).default(3600),
    })
    .prefault({}),
  interactions: z.strictObject({ lifetimeSeconds: seconds(86_400).default(1800) }).prefault({}),
  sessions: z.strictObject({ lifetimeSeconds: seconds(604_800).default(28_800) }).prefault({}),
  standalone: z.strictObject({ needPatientBanner: z.boolean().default(true) }).prefault({}),
  /** Failed sign-ins (see README "Security and reliability"): per (username, address) first, then per username, per address. */
  login: failureLimits({ freeFailures: 5, firstDelaySeconds: 1, maxDelaySeconds: 900, lockFailures: 100, addressLockFailures: 300, windowSeconds: 3600, lockSeconds: 900 }),
  /** Failed client authentications at /token, /introspect, /revoke, /launches: per (client, address), per client, per address. */
  clientAuth: failureLimits({ freeFailures: 10, firstDelaySeconds: 1, maxDelaySeconds: 60, lockFailures: 1000, addressLockFailures: 1000, windowSeconds: 900, lockSeconds: 300 }),
  /**
   * Express "trust proxy": which X-Forwarded-For hops to believe for the client address
   * (throttling, audit). false (default): the TCP peer. A hop count, or addresses/subnets of your proxies.
   */
  trustProxy: z.union([z.boolean(), z.number().int().min(0).max(10), z.string().min(1), z.array(z.string().min(1))]).default(false),
  keys: z
    .strictObject({
      /** A new key is in /jwks this long before it signs: longer than resource servers cache the JWKS. */
      publishBeforeUseSeconds: seconds(604_800).default(3600),
      /** Each key signs this long (0: only `keys rotate`). 90 days: a leaked key's use is bounded, and rotation stays a routine path. */
      rotateEverySeconds: z.number().int().min(0).max(315_360_000).default(7_776_000),
      /** How often each instance re-reads the keys: how soon it sees a rotation made elsewhere. */
      reloadIntervalSeconds: seconds(3600).default(5),
    })
    .refine((k) => k.publishBeforeUseSeconds > k.reloadIntervalSeconds, {
      error: 'publishBeforeUseSeconds must exceed reloadIntervalSeconds, so every instance holds a key before it signs',
      path: ['publishBeforeUseSeconds'],
    })
    .refine((k) => k.rotateEverySeconds === 0 || k.rotateEverySeconds > k.publishBeforeUseSeconds, {
      error: 'rotateEverySeconds must be 0 (off) or longer than publishBeforeUseSeconds',
      path: ['rotateEverySeconds'],
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Also serve GET /metrics, without credentials, on this port (for a scraper on an internal network). */
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().default('127.0.0.1'),
    })
    .prefault({}),
  hooks: z
    .strictObject({
      module: z.string().min(1),
      timeoutMs: z.number().int().min(1).max(10_000).default(200),
    })
    .optional(),
  fhirUpstreamTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
  /** How the FHIR API's proxy mode authenticates to FHIR_UPSTREAM_URL. */
  fhirUpstreamAuth: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('none') }),
      z.strictObject({ kind: z.literal('bearer'), token: z.string().min(1) }),
      z.strictObject({
        kind: z.literal('client_credentials'),
        tokenUrl: httpUrl,
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        scope: z.string().min(1).optional(),
      }),
    ])
    .default({ kind: 'none' }),
  /** The launcher (/launcher): a simulated EHR for app developers. Off unless asked for. */
  launcher: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** An enabled launcher refuses to start under NODE_ENV=production unless this is set. */
      allowInProduction: z.boolean().default(false),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const jwkSchema = z.looseObject({ kty: z.string() }).refine((k) => !('d' in k), {
  error: 'a client JWKS must hold public keys only (found a private member "d")',
});

/** Every field of a client but its secret: clients.json entries, and the admin API (whose secrets the service makes). */
export const clientFields = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ ~ -'),
  name: z.string().min(1).max(200),
  type: z.enum(['public', 'confidential-symmetric', 'confidential-asymmetric']),
  jwks: z.strictObject({ keys: z.array(jwkSchema).min(1) }).optional(),
  jwksUri: httpUrl.optional(),
  redirectUris: z.array(httpUrl).default([]),
  launchUri: httpUrl.optional(),
  scope: z.string().default(''),
  grantTypes: z
    .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
    .default(['authorization_code']),
  roles: z.array(z.enum(['launch-registrar', 'introspector', 'admin'])).default([]),
  consent: z.enum(['required', 'trusted']).default('required'),
  metadata: z.record(z.string(), z.unknown()).default({}),
  disabled: z.boolean().default(false),
});

type ClientShape = Pick<z.output<typeof clientFields>, 'type' | 'jwks' | 'jwksUri' | 'grantTypes' | 'redirectUris'>;

/** What must hold together in any client, wherever it is declared: keys match the type, flows have what they need. */
export function checkClientShape(c: ClientShape, ctx: z.RefinementCtx): void {
  const problem = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
  if (c.type === 'confidential-asymmetric' && !c.jwks === !c.jwksUri)
    problem('a confidential-asymmetric client needs exactly one of "jwks" or "jwksUri"', 'jwks');
  if (c.type !== 'confidential-asymmetric' && (c.jwks || c.jwksUri))
    problem(`a ${c.type} client must not have keys`, 'jwks');
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0)
    problem('a client using authorization_code needs at least one redirect URI', 'redirectUris');
  if (c.grantTypes.includes('client_credentials') && c.type !== 'confidential-asymmetric')
    problem('client_credentials (SMART Backend Services) needs a confidential-asymmetric client', 'grantTypes');
}

const clientSchema = clientFields
  .extend({
    /** Plain secret (dev only) or its hash `sha256:<base64url>`; symmetric clients only. */
    secret: z.string().min(32, 'a client secret must be a long random string (32+ characters)').optional(),
    secretHash: z.string().regex(/^sha256:[A-Za-z0-9_-]{43}$/, 'must be sha256:<base64url of 32 bytes>').optional(),
  })
  .superRefine((c, ctx) => {
    const problem = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (c.type === 'confidential-symmetric' && !c.secret === !c.secretHash)
      problem('a confidential-symmetric client needs exactly one of "secret" or "secretHash"', 'secret');
    if (c.type !== 'confidential-symmetric' && (c.secret || c.secretHash))
      problem(`a ${c.type} client must not have a secret`, 'secret');
    checkClientShape(c, ctx);
  });

export const clientsFileSchema = z
  .strictObject({ clients: z.array(clientSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.clients.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', message: `duplicate client id "${c.id}"`, path: ['clients', i, 'id'] });
      seen.add(c.id);
    });
  });

const fhirUserReference = z
  .string()
  .regex(/^(Practitioner|Patient|RelatedPerson|Person)\/[A-Za-z0-9.-]{1,64}$/, 'must be Practitioner/<id>, Patient/<id>, RelatedPerson/<id> or Person/<id>');

const userSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/),
    username: z.string().min(1).max(128),
    /** Plain password: only for users marked demo, and loudly logged at start. */
    password: z.string().min(1).optional(),
    /** An scrypt hash as produced by `npm run hash-password`. */
    passwordHash: z.string().startsWith('scrypt$').optional(),
    fhirUser: fhirUserReference.optional(),
    attributes: z.record(z.string(), z.unknown()).default({}),
    /** `launch`: may sign in to the launcher (the simulated EHR) and launch apps as themselves. */
    roles: z.array(z.enum(['launch'])).default([]),
    demo: z.boolean().default(false),
    disabled: z.boolean().default(false),
  })
  .superRefine((u, ctx) => {
    if (!u.password === !u.passwordHash)
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of "password" or "passwordHash"', path: ['password'] });
    if (u.password && !u.demo)
      ctx.addIssue({ code: 'custom', message: 'a plain password is only allowed on a user marked "demo": true', path: ['password'] });
  });

export const usersFileSchema = z
  .strictObject({ users: z.array(userSchema) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const names = new Set<string>();
    file.users.forEach((u, i) => {
      if (ids.has(u.id)) ctx.addIssue({ code: 'custom', message: `duplicate user id "${u.id}"`, path: ['users', i, 'id'] });
      if (names.has(u.username))
        ctx.addIssue({ code: 'custom', message: `duplicate username "${u.username}"`, path: ['users', i, 'username'] });
      ids.add(u.id);
      names.add(u.username);
    });
  });

export { registrationFileSchema, type RegistrationConfig } from './registration-schema.ts';
export type ServerFile = z.infer<typeof serverFileSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;
export type UserConfig = z.infer<typeof userSchema>;
