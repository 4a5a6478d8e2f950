import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * JSON text for a jsonb column. Only the store that owns the column makes one
 * (store/json.ts), so no domain value is serialised anywhere else; pg would
 * turn JS arrays into SQL arrays, hence text rather than the value.
 */
export type JsonText = string & { readonly __jsonText: unique symbol };
/** A jsonb column: read as T, written as JsonText. */
type Json<T> = ColumnType<T, JsonText, JsonText>;
/** A jsonb column holding a domain value that its store parses (zod) on read. */
type ParsedJson = ColumnType<unknown, JsonText, JsonText>;
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

export interface ClientsTable {
  id: string;
  name: string;
  type: ClientType;
  secret_hash: string | null;
  jwks: Json<{ keys: Record<string, unknown>[] } | null>;
  jwks_uri: string | null;
  redirect_uris: Json<string[]>;
  launch_uri: string | null;
  scope: string;
  grant_types: Json<string[]>;
  roles: Json<string[]>;
  consent: 'required' | 'trusted';
  metadata: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  disabled_at: NullableTimestamp;
  /** A rotated secret, still accepted until previous_secret_expires_at (the overlap window). */
  previous_secret_hash: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_expires_at: NullableTimestamp;
  /** Who manages the client: smart-config/, the admin API or CLI, or dynamic registration (RFC 7591). */
  source: ColumnType<ClientSource, ClientSource | undefined, ClientSource>;
  /** RFC 7592 registration access token (SHA-256), for registered clients. */
  registration_token_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** A temporary client of the launcher's sandbox mode: gone (disabled) after this, or when the launcher is off. */
  sandbox_expires_at: NullableTimestamp;
}

export type ClientSource = 'config' | 'admin' | 'registration';

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  fhir_user: string | null;
  attributes: Json<Record<string, unknown>>;
  demo: boolean;
  created_at: CreatedAt;
  updated_at: Timestamp;
  disabled_at: NullableTimestamp;
}

export interface LaunchesTable {
  id_hash: string;
  registered_by: string;
  for_client: string | null;
  patient: string | null;
  encounter: string | null;
  fhir_context: ParsedJson;
  fhir_user: string | null;
  need_patient_banner: boolean;
  smart_style_url: string | null;
  intent: string | null;
  tenant: string | null;
  extra: ParsedJson;
  expires_at: Timestamp;
  created_at: CreatedAt;
  cancelled_at: NullableTimestamp;
}

/** The browser's sign-in session (cookie), which online_access refresh tokens end with. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  ended_at: NullableTimestamp;
}

export interface InteractionsTable {
  id_hash: string;
  client_id: string;
  redirect_uri: string;
  requested_scope: string;
  state: string;
  code_challenge: string;
  aud: string;
  nonce: string | null;
  launch_type: 'ehr' | 'standalone';
  launch_id_hash: string | null;
  /** The launch context assembled so far (patient, encounter, fhirContext, ...). */
  context: ParsedJson;
  launch_extra: ParsedJson;
  user_id: string | null;
  /** The user's FHIR identity; for a user the EHR vouched for without a local account, the only one. */
  fhir_user: string | null;
  session_id_hash: string | null;
  auth_time: NullableTimestamp;
  csrf_hash: string | null;
  /** The encounter picker has run (a patient with no encounters goes on without one). */
  encounter_step_done: Generated<boolean>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  completed_at: NullableTimestamp;
}

/**
 * What was granted to whom: created once at consent (or by client_credentials).
 * Everything issued under it points at it; revoking it is this one row.
 */
export interface GrantsTable {
  id: string;
  client_id: string;
  user_id: string | null;
  /** The user's FHIR identity; for a user the EHR vouched for without a local account, the only one. */
  fhir_user: string | null;
  /** The granted scope. */
  scope: string;
  aud: string;
  context: ParsedJson;
  launch_type: 'ehr' | 'standalone' | null;
  launch_extra: ParsedJson;
  access_type: 'offline' | 'online' | null;
  auth_time: NullableTimestamp;
  session_id_hash: string | null;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  grant_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface RefreshTokensTable {
  token_hash: string;
  grant_id: string;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** Access tokens revoked one by one (RFC 7009), by jti, until they would have expired. */
export interface RevocationsTable {
  jti: string;
  client_id: string | null;
  reason: string;
  revoked_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  purpose: 'access_token' | 'id_token';
  alg: string;
  /** Erased (null) once the key is retired. */
  private_jwk: ColumnType<Record<string, unknown> | null, JsonText, JsonText | null>;
  public_jwk: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  /** It signs from here until a newer key of its purpose activates; published from `created_at`. */
  activates_at: Timestamp;
  /** When it leaves /jwks: every token it signed has expired by then (may lie in the future). */
  retired_at: NullableTimestamp;
}

export interface ClientAssertionJtisTable {
  client_id: string;
  jti: string;
  expires_at: Timestamp;
}

/** rate-limiter-flexible's PostgreSQL store layout (migration 0005): `expire` is epoch milliseconds. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: CreatedAt;
  event: string;
  client_id: string | null;
  user_id: string | null;
  patient: string | null;
  request_id: string | null;
  details: Json<Record<string, unknown>>;
}

export interface Database {
  clients: ClientsTable;
  users: UsersTable;
  launches: LaunchesTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  revocations: RevocationsTable;
  signing_keys: SigningKeysTable;
  client_assertion_jtis: ClientAssertionJtisTable;
  rate_limits: RateLimitsTable;
  audit_events: AuditEventsTable;
}

export type ClientRow = Selectable<ClientsTable>;
export type UserRow = Selectable<UsersTable>;
export type LaunchRow = Selectable<LaunchesTable>;
export type InteractionRow = Selectable<InteractionsTable>;
export type GrantRow = Selectable<GrantsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
