import { describe, expect, it } from 'vitest';
import { configWith } from '../helpers/config-dir.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { foreignOriginWarnings } from '../../src/config/issuer-urls.ts';


const servedHere = (pathname: string) => pathname.startsWith('/sample-app/');
const sampleApp = (config: ReturnType<typeof loadConfig>) => config.clients.find((c) => c.id === 'sample-app')!;

describe('client URLs follow the issuer', () => {
  it('expands {issuer} in the sample app redirect and launch URIs for any PORT and ISSUER', () => {
    const onPort = loadConfig({ SMART_CONFIG_DIR: 'smart-config', PORT: '3011' });
    expect(sampleApp(onPort).redirectUris).toEqual(['http://localhost:3011/sample-app/']);
    expect(sampleApp(onPort).launchUri).toBe('http://localhost:3011/sample-app/launch.html');
    const behindProxy = loadConfig({ SMART_CONFIG_DIR: 'smart-config', ISSUER: 'https://auth.example.org/' });
    expect(sampleApp(behindProxy).redirectUris).toEqual(['https://auth.example.org/sample-app/']);
    expect(foreignOriginWarnings(behindProxy.clients, behindProxy.issuer, servedHere)).toEqual([]);
  });

  it('warns about a client URI on this service host but another origin, and says how to write it', () => {
    const dir = configWith('clients.json', (json) => {
      json.clients[0].redirectUris = ['http://localhost:3000/sample-app/'];
      json.clients[0].launchUri = 'http://127.0.0.1:3000/sample-app/launch.html';
      return json;
    });
    const config = loadConfig({ SMART_CONFIG_DIR: dir, PORT: '3011' });
    const warnings = foreignOriginWarnings(config.clients, config.issuer, servedHere);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('client "sample-app" redirectUris[0] http://localhost:3000/sample-app/');
    expect(warnings[0]).toContain('"{issuer}/sample-app/"');
    expect(warnings[1]).toContain('launchUri http://127.0.0.1:3000/sample-app/launch.html');
    // A real app elsewhere, or a native app's own loopback port (growth-chart's 127.0.0.1:8765), is fine.
    expect(warnings.join()).not.toContain('growth-chart');
  });
});

describe('the launcher switch', () => {
  const withLauncher = (launcher: unknown) =>
    configWith('server.json', (json) => (launcher === undefined ? { ...json, launcher: undefined } : { ...json, launcher }));

  it('is off by default and on in the shipped demo config', () => {
    expect(loadConfig({ SMART_CONFIG_DIR: withLauncher(undefined) }).launcher).toMatchObject({ enabled: false, simulatedErrors: false });
    expect(loadConfig({ SMART_CONFIG_DIR: 'smart-config' }).launcher).toMatchObject({ enabled: true, simulatedErrors: true });
  });

  it('refuses to start an enabled launcher with NODE_ENV=production unless allowInProduction is set', () => {
    expect(() => loadConfig({ SMART_CONFIG_DIR: 'smart-config', NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ SMART_CONFIG_DIR: 'smart-config', NODE_ENV: 'production' })).toThrow(/launcher\.allowInProduction/);
    const allowed = loadConfig({ SMART_CONFIG_DIR: withLauncher({ enabled: true, allowInProduction: true }), NODE_ENV: 'production' });
    // Even then, simulated errors are impossible in production.
    expect(allowed.launcher).toMatchObject({ enabled: true, simulatedErrors: false });
    expect(loadConfig({ SMART_CONFIG_DIR: withLauncher({ enabled: false }), NODE_ENV: 'production' }).launcher.enabled).toBe(false);
  });
});
