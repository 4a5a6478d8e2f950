import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirDataSource, FhirUnavailableError, upstreamDataSource, type FhirDataSource } from '../../src/fhir/index.ts';
import { describeFhirDataSourceContract } from './data-source-contract.ts';
import { closedPortBaseUrl, startFakeFhirServer, type FakeFhirServer } from './fake-fhir-server.ts';

let server: FakeFhirServer;
let fhir: FhirDataSource;

beforeAll(async () => {
  server = await startFakeFhirServer();
  fhir = upstreamDataSource(server.baseUrl);
});
afterAll(() => server.close());

describeFhirDataSourceContract('upstream FHIR server', () => fhir);

/** Runs `act` and returns the requests it made to the shared server. */
async function requestsDuring(act: () => Promise<unknown>) {
  const before = server.requests.length;
  await act();
  return server.requests.slice(before);
}

describe('upstream FHIR server: requests', () => {
  it('asks for FHIR JSON, a name parameter per word, and _count/_offset for the page', async () => {
    const requests = await requestsDuring(() => fhir.searchPatients({ text: 'amy shaw', page: 3, pageSize: 7 }));
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.accept).toBe('application/fhir+json');
    expect(request?.path).toBe('/fhir/Patient');
    expect(request?.params.getAll('name')).toEqual(['amy', 'shaw']);
    expect(request?.params.get('_count')).toBe('7');
    expect(request?.params.get('_offset')).toBe('14');
  });

  it('also searches by identifier when the text is one word', async () => {
    const requests = await requestsDuring(() => fhir.searchPatients({ text: 'MRN-1002' }));
    expect(requests.map((r) => r.params.get('identifier')).sort()).toEqual(['MRN-1002', null]);
  });

  it('keeps user text inside query values, escaping FHIR search syntax', async () => {
    const text = 'a/../b?c&identifier=MRN-1001,x';
    const requests = await requestsDuring(() => fhir.searchPatients({ text }));
    for (const r of requests) expect(r.path).toBe('/fhir/Patient');
    const byIdentifier = requests.find((r) => r.params.has('identifier'));
    expect(byIdentifier?.params.getAll('identifier')).toEqual(['a/../b?c&identifier=MRN-1001\\,x']);
    expect((await fhir.searchPatients({ text })).total).toBe(0);
  });

  it('sends no request for an id or reference that is not well-formed', async () => {
    const requests = await requestsDuring(async () => {
      await fhir.getPatient('p001/../../admin');
      await fhir.getEncounter('e001?x=1');
      await fhir.listEncounters('p001&_count=1000');
      await fhir.read('Patient/p001/$everything');
    });
    expect(requests).toEqual([]);
  });

  it('reads with GET {base}/{Type}/{id}', async () => {
    const requests = await requestsDuring(() => fhir.read('Practitioner/pr002'));
    expect(requests.map((r) => r.path)).toEqual(['/fhir/Practitioner/pr002']);
  });

  it('merges identifier and name matches without repeating a patient', async () => {
    const result = await fhir.searchPatients({ text: 'MRN-1001' });
    expect(result.patients.map((p) => p.id)).toEqual(['p001']);
    expect(result.total).toBe(1);
  });

  it('is what createFhirDataSource gives when an upstream URL is set', async () => {
    const requests = await requestsDuring(() =>
      createFhirDataSource({ upstreamUrl: `${server.baseUrl}/`, timeoutMs: 1000 }).getPatient('p003'),
    );
    expect(requests.map((r) => r.path)).toEqual(['/fhir/Patient/p003']);
  });

  it('turns credentials in the base URL into a Basic authorization header', async () => {
    const withCredentials = server.baseUrl.replace('http://', 'http://svc%40example:pa%3Ass@');
    const requests = await requestsDuring(() => upstreamDataSource(withCredentials).getPatient('p001'));
    expect(requests.map((r) => r.authorization)).toEqual([`Basic ${btoa('svc@example:pa:ss')}`]);
    expect((await requestsDuring(() => fhir.getPatient('p001')))[0]?.authorization).toBeUndefined();
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => upstreamDataSource('file:///etc/passwd')).toThrow(TypeError);
    expect(() => createFhirDataSource({ upstreamUrl: 'not a url' })).toThrow(TypeError);
  });
});

describe('upstream FHIR server: when it cannot answer', () => {
  it('rejects with FhirUnavailableError naming the server when nothing listens', async () => {
    const baseUrl = await closedPortBaseUrl();
    const down = upstreamDataSource(baseUrl);
    const failure = down.searchPatients({ text: 'smith' });
    await expect(failure).rejects.toBeInstanceOf(FhirUnavailableError);
    await expect(failure).rejects.toThrow(baseUrl);
    await expect(down.read('Patient/p001')).rejects.toBeInstanceOf(FhirUnavailableError);
  });

  it('gives up after the timeout on a server that is too slow', async () => {
    const slow = await startFakeFhirServer({ delayMs: 20_000 });
    try {
      const failure = upstreamDataSource(slow.baseUrl, { timeoutMs: 200 }).getPatient('p001');
      await expect(failure).rejects.toBeInstanceOf(FhirUnavailableError);
      await expect(failure).rejects.toThrow('within 200 ms');
      // It gave up before the server answered (no wall-clock bound: a loaded machine is slow).
      expect(slow.answered()).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it.each([
    ['a server error', { status: 500, body: '{"resourceType":"OperationOutcome","issue":[]}' }],
    ['an authorization failure', { status: 401, body: '' }],
    ['a body that is not JSON', { status: 200, body: '<html>maintenance</html>' }],
    ['JSON that is not a Bundle', { status: 200, body: '{"resourceType":"OperationOutcome","issue":[]}' }],
  ])('rejects a search answered with %s', async (_, override) => {
    const broken = await startFakeFhirServer({ override });
    try {
      await expect(upstreamDataSource(broken.baseUrl).searchPatients({})).rejects.toBeInstanceOf(FhirUnavailableError);
      await expect(upstreamDataSource(broken.baseUrl).listEncounters('p001')).rejects.toBeInstanceOf(FhirUnavailableError);
    } finally {
      await broken.close();
    }
  });

  it('rejects a read answered with another resource type, but not a 404 or 410', async () => {
    const wrong = await startFakeFhirServer({ override: { status: 200, body: '{"resourceType":"Bundle"}' } });
    const gone = await startFakeFhirServer({ override: { status: 410, body: '' } });
    try {
      await expect(upstreamDataSource(wrong.baseUrl).getPatient('p001')).rejects.toBeInstanceOf(FhirUnavailableError);
      expect(await upstreamDataSource(gone.baseUrl).getPatient('p001')).toBeUndefined();
    } finally {
      await Promise.all([wrong.close(), gone.close()]);
    }
  });

  it('never puts credentials from the base URL in its messages', async () => {
    const baseUrl = (await closedPortBaseUrl()).replace('http://', 'http://user:s3cret@');
    const failure = upstreamDataSource(baseUrl).getPatient('p001');
    await expect(failure).rejects.toBeInstanceOf(FhirUnavailableError);
    await expect(failure).rejects.not.toThrow('s3cret');
  });
});

describe('upstream FHIR server without Bundle.total', () => {
  it('reports a total that shows whether another page follows', async () => {
    const terse = await startFakeFhirServer({ omitTotal: true });
    try {
      const source = upstreamDataSource(terse.baseUrl);
      expect((await source.searchPatients({ pageSize: 5 })).total).toBe(6);
      expect((await source.searchPatients({ page: 3, pageSize: 5 })).total).toBe(12);
    } finally {
      await terse.close();
    }
  });
});
