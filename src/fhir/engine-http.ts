// The embedded engine as a plain FHIR R4 server over node:http, with no SMART in front: what
// proxy mode is tested against (in a separate process) and what the benchmark reads directly.
//
//   PORT=8081 node --import tsx src/fhir/engine-http.ts        # prints "FHIR engine: http://127.0.0.1:8081/fhir"
//
// Optional upstream authentication, so the proxy's modes can be exercised against it:
// ENGINE_BEARER=<token> requires that static bearer; ENGINE_CLIENT=<id>:<secret> offers
// POST /token (client_credentials, client_secret_basic) and requires a token it issued.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { allFixtureResources } from '../../fhir-fixtures/index.ts';
import { embeddedBackend } from './embedded-backend.ts';
import { createFhirEngine } from './engine.ts';
import type { BackendRequest } from './backend.ts';

export interface EngineServerOptions {
  port?: number;
  host?: string;
  bearer?: string | undefined;
  client?: { id: string; secret: string } | undefined;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

export async function startEngineServer(options: EngineServerOptions = {}): Promise<{ server: Server; baseUrl: string }> {
  const issued = new Set<string>();
  let baseUrl = '';
  let backend: ReturnType<typeof embeddedBackend> | undefined;
  const engine = createFhirEngine(allFixtureResources);

  const authorised = (req: IncomingMessage) => {
    const header = req.headers.authorization ?? '';
    if (options.bearer) return header === `Bearer ${options.bearer}`;
    if (options.client) return issued.has(header.replace(/^Bearer /, ''));
    return true;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const body = await readBody(req);
    if (options.client && req.method === 'POST' && url.pathname === '/token') {
      const expected = `Basic ${Buffer.from(`${options.client.id}:${options.client.secret}`).toString('base64')}`;
      if (req.headers.authorization !== expected || new URLSearchParams(body).get('grant_type') !== 'client_credentials')
        return send(res, 401, { error: 'invalid_client' });
      const token = randomBytes(16).toString('hex');
      issued.add(token);
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
    }
    if (!url.pathname.startsWith('/fhir/') || !METHODS.has(req.method ?? '')) return send(res, 404, undefined);
    if (!authorised(req)) return send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    const request: BackendRequest = {
      method: req.method as BackendRequest['method'],
      path: url.pathname.slice('/fhir/'.length),
      query: [...url.searchParams],
    };
    try {
      if (body) request.body = JSON.parse(body) as unknown;
    } catch {
      return send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
    }
    const answer = await backend!.handle(request);
    const headers: Record<string, string> = {};
    if (answer.location) headers.location = answer.location;
    if (answer.etag) headers.etag = answer.etag;
    send(res, answer.status, answer.body, headers);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}/fhir`;
  backend = embeddedBackend(engine, baseUrl);
  return { server, baseUrl };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [id, secret] = (process.env.ENGINE_CLIENT ?? '').split(':');
  const { baseUrl } = await startEngineServer({
    port: Number(process.env.PORT ?? 0),
    bearer: process.env.ENGINE_BEARER || undefined,
    client: id && secret ? { id, secret } : undefined,
  });
  console.log(`FHIR engine: ${baseUrl}`);
}
