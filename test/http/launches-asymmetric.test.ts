import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addClients, asymmetricClient, clientAssertion, JWT_BEARER } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const cardioKeys = (JSON.parse(readFileSync('smart-config/clients.json', 'utf8')) as { clients: Array<{ id: string; jwks?: unknown }> })
  .clients.find((c) => c.id === 'cardio-risk')!.jwks as { keys: [] };

describeEachDatabase('launch registration with private_key_jwt', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: addClients(asymmetricClient('ehr-signer', { jwks: cardioKeys }, { roles: ['launch-registrar'], grantTypes: [], scope: '' })),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const assertion = () => clientAssertion(server, 'ehr-signer', 'cardio-risk-es384-1');

  it('registers, reads back and cancels a launch with a client assertion instead of a secret', async () => {
    const created = await fetch(`${server.baseUrl}/launches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'p003', client_assertion_type: JWT_BEARER, client_assertion: await assertion() }),
    });
    expect(created.status).toBe(201);
    const { launch } = (await created.json()) as { launch: string };

    const query = async () => new URLSearchParams({ client_assertion_type: JWT_BEARER, client_assertion: await assertion() });
    const read = await fetch(`${server.baseUrl}/launches/${launch}?${await query()}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ patient: 'p003', status: 'active' });
    expect((await fetch(`${server.baseUrl}/launches/${launch}?${await query()}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses a replayed or foreign assertion with 401 invalid_client', async () => {
    const once = await assertion();
    const post = (clientAssertionValue: string) =>
      fetch(`${server.baseUrl}/launches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ patient: 'p003', client_assertion_type: JWT_BEARER, client_assertion: clientAssertionValue }),
      });
    expect((await post(once)).status).toBe(201);
    const replay = await post(once);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client' });
    const foreign = await post(await clientAssertion(server, 'ehr-signer', 'bulk-exporter-es384-1'));
    expect(foreign.status).toBe(401);
  });
});
