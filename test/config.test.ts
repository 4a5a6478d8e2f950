import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configWith } from './helpers/config-dir.ts';
import { ConfigError, loadConfig } from '../src/config/index.ts';


function loadError(dir: string, env: Record<string, string> = {}): string {
  try {
    loadConfig({ SMART_CONFIG_DIR: dir, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('loads the shipped smart-config/ with defaults filled in', () => {
    const config = loadConfig({ SMART_CONFIG_DIR: 'smart-config', PORT: '4000' });
    expect(config.issuer).toBe('http://localhost:4000');
    expect(config.fhirBaseUrl).toBe('http://localhost:4000/fhir');
    expect(config.audiences).toEqual(['http://localhost:4000/fhir']);
    expect(config.clients.map((c) => c.id)).toEqual(
      expect.arrayContaining(['sample-app', 'growth-chart', 'cardio-risk', 'bulk-exporter', 'ehr-integrator', 'fhir-server']),
    );
    expect(config.tokens.codeLifetimeSeconds).toBe(60);
  });

  it('takes ISSUER, FHIR_BASE_URL, DATABASE_URL and PGLITE_DIR from the environment', () => {
    const config = loadConfig({
      SMART_CONFIG_DIR: 'smart-config',
      ISSUER: 'https://auth.example.org/',
      FHIR_BASE_URL: 'https://fhir.example.org/r4',
      DATABASE_URL: 'postgres://u@db/smart',
    });
    expect(config.issuer).toBe('https://auth.example.org');
    expect(config.fhirBaseUrl).toBe('https://fhir.example.org/r4');
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db/smart' });
    expect(loadConfig({ SMART_CONFIG_DIR: 'smart-config', PGLITE_DIR: 'memory' }).database).toEqual({ kind: 'pglite', dir: 'memory' });
  });

  it('names the file and the JSON path of a value of the wrong type', () => {
    const dir = configWith('clients.json', (j) => ((j.clients[2].redirectUris = ['not a url']), j));
    expect(loadError(dir)).toMatch(/clients\.json: clients\[2\]\.redirectUris\[0\]: .*URL/);
  });

  it('names the file of malformed JSON', () => {
    const dir = configWith('server.json', (j) => j);
    writeFileSync(path.join(dir, 'server.json'), '{ "port": 3000, ');
    expect(loadError(dir)).toMatch(/server\.json: is not valid JSON/);
  });

  it('refuses a claim rule that targets a reserved name, naming the rule index and the name', () => {
    const dir = configWith('claims.json', (j) => ((j.rules[1].accessToken = { iss: 'https://evil.example' }), j));
    expect(loadError(dir)).toMatch(/claims\.json: rules\[1\]\.accessToken.*"iss" is reserved/);
  });

  it('refuses a duplicate client id, a short client secret and an unknown key', () => {
    expect(loadError(configWith('clients.json', (j) => ((j.clients[1].id = j.clients[0].id), j)))).toMatch(
      /clients\.json: clients\[1\]\.id: duplicate client id/,
    );
    expect(loadError(configWith('clients.json', (j) => ((j.clients[1].secret = 'short'), j)))).toMatch(
      /clients\.json: clients\[1\]\.secret: .*long random string/,
    );
    expect(loadError(configWith('server.json', (j) => ((j.tokenz = {}), j)))).toMatch(/server\.json: .*tokenz/);
  });

  it('refuses a plain password on a user not marked demo', () => {
    const dir = configWith('users.json', (j) => ((j.users[0].demo = false), j));
    expect(loadError(dir)).toMatch(/users\.json: users\[0\]\.password: .*demo/);
  });

  it('refuses a missing file and a bad environment URL', () => {
    const dir = configWith('server.json', (j) => j);
    writeFileSync(path.join(dir, 'users.json'), '');
    expect(loadError(dir)).toMatch(/users\.json: is not valid JSON/);
    expect(loadError('smart-config', { ISSUER: 'ftp://x' })).toMatch(/ISSUER: must be an absolute http\(s\) URL/);
    expect(loadError(path.join(tmpdir(), 'no-such-config-dir'))).toMatch(/server\.json: cannot be read/);
  });

  it('DATABASE_PREPARED_STATEMENTS: true or false (1 or 0); anything else stops the start', () => {
    const target = (value: string) => loadConfig({ SMART_CONFIG_DIR: 'smart-config', DATABASE_URL: 'postgres://db/x', DATABASE_PREPARED_STATEMENTS: value }).database;
    expect(target('false')).toMatchObject({ preparedStatements: false });
    expect(target('1')).toMatchObject({ preparedStatements: true });
    expect(loadConfig({ SMART_CONFIG_DIR: 'smart-config', DATABASE_URL: 'postgres://db/x' }).database).not.toHaveProperty('preparedStatements');
    expect(loadError('smart-config', { DATABASE_URL: 'postgres://db/x', DATABASE_PREPARED_STATEMENTS: 'off' })).toMatch(/DATABASE_PREPARED_STATEMENTS: must be true or false/);
  });

  it('stops `npm start` with a one-line message naming file and path', () => {
    const dir = configWith('clients.json', (j) => ((j.clients[0].type = 'confidential'), j));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, SMART_CONFIG_DIR: dir, PGLITE_DIR: 'memory', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/configuration error: .*clients\.json: clients\[0\]\.type: /);
  });
});
