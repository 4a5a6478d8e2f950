import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { startService } from '../../src/service.ts';
import { TEST_DATABASE_URL } from '../helpers/databases.ts';

// DATABASE_URL=...?options=-c search_path=<schema>: the schema is created at start when missing.

describe.runIf(TEST_DATABASE_URL)('a search_path schema that does not exist yet', () => {
  it('is created at start, and the tables go into it', async () => {
    const schema = `sp_${randomBytes(5).toString('hex')}`;
    const url = new URL(TEST_DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const config = loadConfig({ SMART_CONFIG_DIR: 'smart-config', DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
    const service = await startService(config);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const tables = await admin.query(`select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'clients'`, [schema]);
      expect(tables.rows[0].n).toBe(1);
    } finally {
      await service.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
