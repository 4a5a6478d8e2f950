import { describe, expect, it } from 'vitest';
import { startBanner } from '../../src/banner.ts';
import { loadConfig } from '../../src/config/index.ts';
import { logFormat } from '../../src/http/logging.ts';

describe('start-up output', () => {
  it('lists the URLs, says the launcher is on, and names the demo users', () => {
    const config = loadConfig({ SMART_CONFIG_DIR: 'smart-config', PORT: '3011' });
    const banner = startBanner(config, "PGlite (memory)");
    for (const url of ['http://localhost:3011/', 'http://localhost:3011/launcher', 'http://localhost:3011/sample-app/', 'http://localhost:3011/fhir'])
      expect(banner).toContain(url);
    expect(banner).toMatch(/Launcher: .*ON/);
    expect(banner).toMatch(/dr\.carter\s+carter-demo\s+Practitioner\/pr001/);
    expect(banner).toMatch(/amy\s+amy-demo\s+Patient\/p001/);
    config.launcher.enabled = false;
    expect(startBanner(config, 'x')).toMatch(/Launcher: +off/);
  });

  it('logs JSON unless stdout is a terminal, and LOG_FORMAT decides when set', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
