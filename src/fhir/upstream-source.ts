import { isFhirId, parseReference } from './references.ts';
import { normalisePaging } from './search.ts';
import { byMostRecent, summariseEncounter, summarisePatient } from './summarise.ts';
import type { FhirDataSource, PatientSearchResult, PatientSummary } from './types.ts';
import { parseResource, parseSearchBundle, type SearchPage } from './upstream-bundle.ts';
import { buildQuery, escapeSearchValue, upstreamHttp, type UpstreamHttp } from './upstream-http.ts';

/** Identifier matches are few (usually one); this many are fetched, unpaged. */
const MAX_IDENTIFIER_MATCHES = 50;
const MAX_ENCOUNTERS = 50;

/**
 * A FHIR R4 server (FHIR_UPSTREAM_URL) read over HTTP.
 *
 * Patient search sends each word of the text as a `name` parameter (the server ANDs them, and
 * matches the start of any name part, case- and accent-insensitively), and, when the text is one
 * word, `identifier` too; identifier matches come first, then name matches without repeats.
 * Paging uses `_count` and `_offset` (HAPI and most servers); `total` is `Bundle.total`, or a
 * lower bound when the server leaves it out. Rows keep the server's order. Credentials in the
 * base URL (`https://user:pass@host/fhir`) are sent as Basic authorization, never shown in errors.
 *
 * @example
 * const fhir = upstreamDataSource('https://fhir.example.org/r4', { timeoutMs: 2000 });
 * const { patients, total } = await fhir.searchPatients({ text: 'MRN-1001' });
 */
export function upstreamDataSource(
  baseUrl: string,
  options: { timeoutMs?: number; authorize?: () => Promise<string | undefined> } = {},
): FhirDataSource {
  const http = upstreamHttp(baseUrl, options.timeoutMs, options.authorize);
  const answerTo = (what: string) => () => `The answer of FHIR server ${http.displayBase} to the ${what}`;

  async function readResource<T extends fhir4.Resource>(resourceType: string, id: string): Promise<T | undefined> {
    const what = `read of a ${resourceType}`;
    const body = await http.getJson(`${resourceType}/${encodeURIComponent(id)}`, '', what, true);
    return body === undefined ? undefined : parseResource<T>(body, resourceType, answerTo(what));
  }

  async function searchPage<T extends fhir4.FhirResource>(
    resourceType: T['resourceType'],
    params: Array<readonly [string, string | number]>,
    what: string,
  ): Promise<SearchPage<T>> {
    const body = await http.getJson(resourceType, buildQuery(params), what, false);
    return parseSearchBundle<T>(body, resourceType, answerTo(what));
  }

  return {
    async searchPatients(query): Promise<PatientSearchResult> {
      const { page, pageSize, offset } = normalisePaging(query);
      const text = query.text?.trim() ?? '';
      const words = text.split(/[\s,]+/).filter(Boolean);
      const byIdentifier = text !== '' && !/\s/.test(text);

      const identifierSearch = byIdentifier
        ? searchPage<fhir4.Patient>(
            'Patient',
            [['identifier', escapeSearchValue(text)], ['_count', MAX_IDENTIFIER_MATCHES]],
            'Patient search by identifier',
          )
        : Promise.resolve<SearchPage<fhir4.Patient>>({ matches: [], hasNext: false });
      const nameSearch = (nameOffset: number) =>
        searchPage<fhir4.Patient>(
          'Patient',
          [...words.map((w) => ['name', escapeSearchValue(w)] as const), ['_count', pageSize], ['_offset', nameOffset]],
          'Patient search',
        );

      // Identifier matches occupy the first rows of the merged list and name matches follow, so
      // past the first page the name search's offset depends on how many identifiers matched.
      let identified: fhir4.Patient[];
      let byName: SearchPage<fhir4.Patient>;
      if (offset === 0) {
        [{ matches: identified }, byName] = await Promise.all([identifierSearch, nameSearch(0)]);
      } else {
        identified = (await identifierSearch).matches;
        byName = await nameSearch(Math.max(0, offset - identified.length));
      }
      const nameOffset = Math.max(0, offset - identified.length);

      const seen = new Set(identified.map((p) => p.id));
      const named = byName.matches.filter((p) => !seen.has(p.id));
      const overlap = byName.matches.length - named.length;
      const rows: PatientSummary[] = [...identified.slice(offset, offset + pageSize), ...named]
        .slice(0, pageSize)
        .map(summarisePatient);
      const nameTotal = byName.total ?? nameOffset + byName.matches.length + (byName.hasNext ? 1 : 0);
      return { patients: rows, total: identified.length + nameTotal - overlap, page, pageSize };
    },

    getPatient(id) {
      return isFhirId(id) ? readResource<fhir4.Patient>('Patient', id) : Promise.resolve(undefined);
    },

    getEncounter(id) {
      return isFhirId(id) ? readResource<fhir4.Encounter>('Encounter', id) : Promise.resolve(undefined);
    },

    async listEncounters(patientId) {
      if (!isFhirId(patientId)) return [];
      const { matches } = await searchPage<fhir4.Encounter>(
        'Encounter',
        [['patient', patientId], ['_count', MAX_ENCOUNTERS]],
        'Encounter search',
      );
      return matches.map(summariseEncounter).sort(byMostRecent);
    },

    read(reference) {
      const parsed = parseReference(reference);
      return parsed ? readResource(parsed.resourceType, parsed.id) : Promise.resolve(undefined);
    },

    summarisePatient,
  };
}
