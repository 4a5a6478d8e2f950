// The few parts of FHIR JSON the upstream source relies on, checked before they are trusted.
import { z } from 'zod';
import { FhirUnavailableError } from './errors.ts';

const resourceShape = z.looseObject({ resourceType: z.string(), id: z.string().optional() });

const bundleShape = z.looseObject({
  resourceType: z.literal('Bundle'),
  total: z.number().int().nonnegative().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z
    .array(
      z.looseObject({
        resource: resourceShape.optional(),
        search: z.looseObject({ mode: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

export interface SearchPage<T> {
  /** Resources of the searched type whose search mode is `match` (not `include` or `outcome`). */
  matches: T[];
  total?: number;
  hasNext: boolean;
}

export function parseSearchBundle<T extends fhir4.FhirResource>(
  body: unknown,
  resourceType: T['resourceType'],
  describe: () => string,
): SearchPage<T> {
  const parsed = bundleShape.safeParse(body);
  if (!parsed.success) throw new FhirUnavailableError(`${describe()} is not a FHIR searchset Bundle`);
  const bundle = parsed.data;
  const matches = (bundle.entry ?? [])
    .filter((e) => e.search?.mode === undefined || e.search.mode === 'match')
    .map((e) => e.resource)
    .filter((r) => r?.resourceType === resourceType && r.id !== undefined) as unknown as T[];
  const page: SearchPage<T> = { matches, hasNext: Boolean(bundle.link?.some((l) => l.relation === 'next')) };
  if (bundle.total !== undefined) page.total = bundle.total;
  return page;
}

export function parseResource<T extends fhir4.Resource>(
  body: unknown,
  resourceType: string,
  describe: () => string,
): T {
  const parsed = resourceShape.safeParse(body);
  if (!parsed.success || parsed.data.resourceType !== resourceType) {
    throw new FhirUnavailableError(`${describe()} is not a ${resourceType}`);
  }
  return parsed.data as unknown as T;
}
