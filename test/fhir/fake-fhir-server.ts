// A small FHIR R4 server over the fixtures, for testing the upstream data source: read, and
// searchset Bundles for Patient (name, identifier, _count, _offset) and Encounter (patient).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allFixtureResources } from '../../fhir-fixtures/index.ts';

export interface FakeFhirServerOptions {
  /** Wait this long before answering anything. */
  delayMs?: number;
  /** Answer every request with this instead of FHIR. */
  override?: { status: number; body: string };
  /** Leave `Bundle.total` out, as some servers do. */
  omitTotal?: boolean;
}

export interface RecordedRequest {
  path: string;
  params: URLSearchParams;
  accept: string | undefined;
  authorization: string | undefined;
}

export interface FakeFhirServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Requests answered so far (a delayed one counts once its answer is sent). */
  answered(): number;
  close(): Promise<void>;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
// FHIR search escaping: "\," is a literal comma, "\\" a backslash.
const unescape = (s: string) => s.replace(/\\([\\,$|])/g, '$1');

function nameMatches(patient: fhir4.Patient, word: string): boolean {
  // R4 string search: case- and accent-insensitive match on the start of any name part.
  const parts = (patient.name ?? []).flatMap((n) => [...(n.given ?? []), n.family ?? '', n.text ?? '']);
  return parts.some((part) => fold(part).startsWith(fold(word)));
}

function sortKey(p: fhir4.Patient): string {
  const name = p.name?.[0];
  return `${fold(name?.family ?? '')}\u0000${fold((name?.given ?? []).join(' '))}\u0000${p.id}`;
}

function searchset(matches: fhir4.Resource[], total: number, omitTotal: boolean, next: boolean): fhir4.Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(omitTotal ? {} : { total }),
    link: next ? [{ relation: 'next', url: 'http://fake/next' }] : [],
    entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

function notFound(res: ServerResponse): void {
  const outcome: fhir4.OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-found' }],
  };
  res.writeHead(404, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(outcome));
}

function answer(req: IncomingMessage, res: ServerResponse, options: FakeFhirServerOptions): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] !== 'fhir') return notFound(res);
  const [type, id, ...rest] = segments.slice(1);
  const send = (body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
  };

  if (type && id && rest.length === 0) {
    const found = allFixtureResources.find((r) => r.resourceType === type && r.id === id);
    return found ? send(found) : notFound(res);
  }
  const params = url.searchParams;
  const count = Number(params.get('_count') ?? 20);
  const offset = Number(params.get('_offset') ?? 0);
  let matches: fhir4.Resource[];
  if (type === 'Patient' && !id) {
    const names = params.getAll('name').map(unescape);
    const identifier = params.get('identifier');
    matches = allFixtureResources
      .filter((r): r is fhir4.Patient => r.resourceType === 'Patient')
      .filter((p) => names.every((n) => nameMatches(p, n)))
      .filter((p) => identifier === null || p.identifier?.some((i) => i.value === unescape(identifier)))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  } else if (type === 'Encounter' && !id) {
    const patient = params.get('patient');
    matches = allFixtureResources.filter(
      (r) => r.resourceType === 'Encounter' && r.subject?.reference === `Patient/${patient}`,
    );
  } else {
    return notFound(res);
  }
  const page = matches.slice(offset, offset + count);
  send(searchset(page, matches.length, options.omitTotal ?? false, offset + count < matches.length));
}

export async function startFakeFhirServer(options: FakeFhirServerOptions = {}): Promise<FakeFhirServer> {
  const requests: RecordedRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();
  let answered = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ path: url.pathname, params: url.searchParams, accept: req.headers.accept, authorization: req.headers.authorization });
    const respond = () => {
      answered++;
      if (options.override) {
        res.writeHead(options.override.status, { 'content-type': 'application/fhir+json' }).end(options.override.body);
      } else {
        answer(req, res, options);
      }
    };
    if (options.delayMs) {
      const timer = setTimeout(() => {
        delayed.delete(timer);
        respond();
      }, options.delayMs);
      delayed.add(timer);
    } else {
      respond();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    requests,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL on which nothing listens: a port that was just bound and released. */
export async function closedPortBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/fhir`;
}
