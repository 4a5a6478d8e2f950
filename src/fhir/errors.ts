/**
 * The upstream FHIR server could not answer: unreachable, too slow, a non-2xx status other than
 * "not found", or a body that is not the FHIR JSON asked for. The message names the server's base
 * URL (without credentials) but never the query, which may contain a patient's name.
 */
export class FhirUnavailableError extends Error {
  override readonly name: string = 'FhirUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The upstream FHIR server did not answer in time (the FHIR API answers 504). */
export class FhirTimeoutError extends FhirUnavailableError {
  override readonly name = 'FhirTimeoutError';
}
