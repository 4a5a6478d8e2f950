import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { claimRulesFileSchema, type ClaimRulesFile } from '../claims/index.ts';
import type { DatabaseTarget } from '../db/index.ts';
import { categoriesFileSchema, type CategoryMap } from './categories-schema.ts';
import { BUILT_IN_STYLE, smartStyleSchema, smartStyleSetting, type SmartStyleSetting } from './smart-style.ts';
import {
  clientsFileSchema,
  registrationFileSchema,
  serverFileSchema,
  usersFileSchema,
  type ClientConfig,
  type RegistrationConfig,
  type ServerFile,
  type UserConfig,
} from './schema.ts';
import { logFormat } from '../http/logging.ts';
import { expandIssuerPlaceholders } from './issuer-urls.ts';

export type { ClientConfig, RegistrationConfig, UserConfig } from './schema.ts';

export interface Config {
  configDir: string;
  issuer: string;
  port: number;
  host: string;
  /** The FHIR base URL this service issues tokens for: the EHR launch `iss` and the default `aud`. */
  fhirBaseUrl: string;
  /** Every value accepted as `aud`: the FHIR base URL first, then extra audiences. */
  audiences: string[];
  database: DatabaseTarget;
  /** WEB_CONCURRENCY: worker processes on PostgreSQL (default: the available cores); PGlite runs one. */
  workers: number | undefined;
  fhirUpstreamUrl: string | undefined;
  fhirUpstreamTimeoutMs: number;
  fhirUpstreamAuth: ServerFile['fhirUpstreamAuth'];
  tokens: ServerFile['tokens'];
  launches: ServerFile['launches'];
  interactions: ServerFile['interactions'];
  sessions: ServerFile['sessions'];
  standalone: ServerFile['standalone'];
  login: ServerFile['login'];
  keys: ServerFile['keys'];
  metrics: ServerFile['metrics'];
  clientAuth: ServerFile['clientAuth'];
  trustProxy: ServerFile['trustProxy'];
  hooks: { modulePath: string; timeoutMs: number } | undefined;
  logLevel: ServerFile['logLevel'];
  /** JSON lines, or pino-pretty on a terminal (LOG_FORMAT overrides). */
  logFormat: 'json' | 'pretty';
  /**
   * The launcher (a simulated EHR) and sandbox mode: temporary ad-hoc clients.
   * `simulatedErrors` only outside NODE_ENV=production, whatever the file says.
   */
  launcher: ServerFile['launcher'] & { simulatedErrors: boolean };
  clients: ClientConfig[];
  users: UserConfig[];
  claimRules: ClaimRulesFile['rules'];
  /** registration.json (optional; without it dynamic client registration is off). */
  registration: RegistrationConfig;
  /** categories.json: what consent offers as granular choices (none when the file is absent). */
  categories: CategoryMap;
  /** The default SMART style: its document (smart-style.json), version and URL (see src/style/). */
  smartStyle: SmartStyleSetting;
}

/** A configuration mistake: the message names the file, the JSON path and the problem, on one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Loads and validates smart-config/ plus environment overrides.
 *
 * @example
 *   const config = loadConfig(process.env); // throws ConfigError on any mistake
 */
export function loadConfig(env: Env = process.env, overrides: { configDir?: string } = {}): Config {
  const configDir = path.resolve(overrides.configDir ?? env.SMART_CONFIG_DIR ?? 'smart-config');
  const server = readJsonFile(configDir, 'server.json', serverFileSchema);
  const registration = existsSync(path.join(configDir, 'registration.json'))
    ? readJsonFile(configDir, 'registration.json', registrationFileSchema)
    : registrationFileSchema.parse({});
  const categories = existsSync(path.join(configDir, 'categories.json'))
    ? readJsonFile(configDir, 'categories.json', categoriesFileSchema).resourceTypes
    : {};
  const style = existsSync(path.join(configDir, 'smart-style.json')) ? readJsonFile(configDir, 'smart-style.json', smartStyleSchema) : BUILT_IN_STYLE;

  const port = env.PORT !== undefined ? parsePort(env.PORT) : server.port;
  const issuer = trimSlash(envUrl(env, 'ISSUER') ?? server.issuer ?? `http://localhost:${port}`);
  const clients = readJsonFile(configDir, 'clients.json', clientsFileSchema, (json) => expandIssuerPlaceholders(json, issuer)).clients;
  const users = readJsonFile(configDir, 'users.json', usersFileSchema).users;
  const claims = readJsonFile(configDir, 'claims.json', claimRulesFileSchema);
  const production = env.NODE_ENV === 'production';
  if (server.launcher.enabled && production && !server.launcher.allowInProduction)
    throw new ConfigError(
      `${displayPath(configDir, 'server.json')}: launcher.enabled: the launcher (a simulated EHR that signs users in and launches apps as them) ` +
        'is on while NODE_ENV=production: turn it off, or set launcher.allowInProduction to true if you mean it',
    );
  const fhirBaseUrl = trimSlash(envUrl(env, 'FHIR_BASE_URL') ?? server.fhirBaseUrl ?? `${issuer}/fhir`);
  const pgliteDir = env.PGLITE_DIR ?? './.data/pglite';
  const database: DatabaseTarget = env.DATABASE_URL
    ? {
        kind: 'postgres',
        url: env.DATABASE_URL,
        ...(env.DATABASE_LISTEN_URL ? { listenUrl: env.DATABASE_LISTEN_URL } : {}),
        ...(env.DATABASE_PREPARED_STATEMENTS ? { preparedStatements: envFlag(env, 'DATABASE_PREPARED_STATEMENTS') } : {}),
      }
    : { kind: 'pglite', dir: pgliteDir === 'memory' ? 'memory' : path.resolve(pgliteDir) };

  return {
    configDir,
    issuer,
    port,
    host: env.HOST ?? server.host,
    fhirBaseUrl,
    audiences: [fhirBaseUrl, ...server.extraAudiences.map(trimSlash).filter((a) => a !== fhirBaseUrl)],
    database,
    workers: env.WEB_CONCURRENCY ? parseWorkers(env.WEB_CONCURRENCY) : undefined,
    fhirUpstreamUrl: envUrl(env, 'FHIR_UPSTREAM_URL'),
    fhirUpstreamTimeoutMs: server.fhirUpstreamTimeoutMs,
    fhirUpstreamAuth: server.fhirUpstreamAuth,
    tokens: server.tokens,
    launches: server.launches,
    interactions: server.interactions,
    sessions: server.sessions,
    standalone: server.standalone,
    login: server.login,
    keys: server.keys,
    metrics: server.metrics,
    clientAuth: server.clientAuth,
    trustProxy: server.trustProxy,
    hooks: server.hooks
      ? { modulePath: path.resolve(configDir, server.hooks.module), timeoutMs: server.hooks.timeoutMs }
      : undefined,
    logLevel: (env.LOG_LEVEL as ServerFile['logLevel'] | undefined) ?? server.logLevel,
    logFormat: logFormat(env, process.stdout.isTTY === true),
    launcher: { ...server.launcher, simulatedErrors: server.launcher.enabled && !production },
    clients,
    users,
    claimRules: claims.rules,
    registration,
    categories,
    smartStyle: smartStyleSetting(issuer, style, server.smartStyleUrl),
  };
}

const displayPath = (dir: string, file: string) => path.join(path.relative(process.cwd(), dir) || '.', file);

function readJsonFile<S extends z.ZodType>(dir: string, file: string, schema: S, prepare = (json: unknown) => json): z.output<S> {
  const where = displayPath(dir, file);
  let text: string;
  try {
    text = readFileSync(path.join(dir, file), 'utf8');
  } catch {
    throw new ConfigError(`${where}: cannot be read (missing file?)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${where}: is not valid JSON (${(e as Error).message})`);
  }
  const result = schema.safeParse(prepare(json));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${where}: ${jsonPath(issue.path)}: ${issue.message}`);
  }
  return result.data;
}

function jsonPath(segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return '(root)';
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`))
    .join('');
}

function envUrl(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new ConfigError(`environment ${name}: must be an absolute http(s) URL`);
  return value;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('environment PORT: must be 0-65535');
  return port;
}

function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new ConfigError('environment WEB_CONCURRENCY: must be 1-256');
  return workers;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function envFlag(env: Env, name: string): boolean {
  const value = env[name]?.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`environment ${name}: must be true or false`);
}
