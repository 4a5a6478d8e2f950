import { FhirUnavailableError } from '../fhir/index.ts';
import { OAuthError } from '../oauth/errors.ts';

/** Runs an input parse; its OAuthError is shown to the user as a page, not sent as JSON. */
export function asPage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw error instanceof OAuthError ? error.asPage() : error;
  }
}

/** Awaits a FHIR read; an unreachable FHIR server becomes a 503 page that says so, never a 500. */
export async function fromFhir<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof FhirUnavailableError)
      throw new OAuthError(
        'temporarily_unavailable',
        'The patient records server is not answering right now, so patients and encounters cannot be listed. Try again in a few minutes.',
      ).asPage();
    throw error;
  }
}
