import { z } from 'zod';


/**
 * Dynamic client registration (RFC 7591/7592), off unless enabled: open, or
 * with an initial access token; the policy caps what any registration may get.
 */
export const registrationFileSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    access: z.enum(['open', 'initial-access-token']).default('initial-access-token'),
    /** Initial access tokens (RFC 7591 §3): plain (demo only: DEMO-ONLY-...) or `sha256:<base64url>`. */
    initialAccessTokens: z
      .array(z.union([z.string().regex(/^sha256:[A-Za-z0-9_-]{43}$/), z.string().min(32, 'an initial access token must be 32+ characters')]))
      .default([]),
    /**
     * Registration requests one client address may make per hour, counted on the shared
     * database (every instance): open registration must not let one caller fill the clients table.
     */
    perAddressPerHour: z.number().int().positive().default(20),
    policy: z
      .strictObject({
        clientTypes: z.array(z.enum(['public', 'confidential-symmetric', 'confidential-asymmetric'])).min(1).default(['public', 'confidential-asymmetric']),
        grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).min(1).default(['authorization_code', 'refresh_token']),
        /** The most a registered client may be granted (SMART scopes); also the default when a registration names none. */
        scope: z.string().default('launch launch/patient launch/encounter openid fhirUser offline_access online_access patient/*.rs user/*.rs'),
        /** `https`; `http-loopback` (http only to 127.0.0.1, [::1] or localhost: native apps, RFC 8252 §7.3); `http` (any). */
        redirectUriSchemes: z.array(z.enum(['https', 'http-loopback', 'http'])).min(1).default(['https', 'http-loopback']),
      })
      .prefault({}),
  })
  .superRefine((r, ctx) => {
    if (r.enabled && r.access === 'initial-access-token' && r.initialAccessTokens.length === 0)
      ctx.addIssue({ code: 'custom', message: 'registration with an initial access token needs at least one token', path: ['initialAccessTokens'] });
  });

export type RegistrationConfig = z.infer<typeof registrationFileSchema>;
