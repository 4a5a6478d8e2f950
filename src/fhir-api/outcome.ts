// FHIR API errors: every failure is an OperationOutcome (R4 operationoutcome.html) with the
// HTTP status that says why; nothing else builds one.
import type { ErrorRequestHandler, Response } from 'express';
import { FhirTimeoutError, FhirUnavailableError } from '../fhir/index.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** R4 issue-type codes we use. */
export type IssueType =
  | 'invalid' | 'security' | 'login' | 'forbidden' | 'not-found' | 'not-supported' | 'exception' | 'timeout' | 'too-costly' | 'processing';

export class FhirApiError extends Error {
  override readonly name = 'FhirApiError';

  constructor(
    readonly status: number,
    readonly issue: IssueType,
    readonly diagnostics: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(diagnostics);
  }
}

export function operationOutcome(issue: IssueType, diagnostics: string, severity: 'error' | 'information' = 'error'): fhir4.OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code: issue, diagnostics }] };
}

export function sendFhir(res: Response, status: number, body: fhir4.Resource | undefined): void {
  res.status(status).type(FHIR_JSON);
  if (body === undefined) res.end();
  else res.send(JSON.stringify(body));
}

/** Any error inside the FHIR API as an OperationOutcome; an upstream failure is 502, its timeout 504. */
export function toFhirApiError(error: unknown): FhirApiError {
  if (error instanceof FhirApiError) return error;
  if (error instanceof FhirTimeoutError) return new FhirApiError(504, 'timeout', error.message);
  if (error instanceof FhirUnavailableError) return new FhirApiError(502, 'exception', error.message);
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser: malformed JSON or form, too large, bad charset.
    const type = (error as { type?: string }).type ?? 'request';
    return new FhirApiError(status, 'invalid', `the request body could not be read (${type})`);
  }
  return new FhirApiError(500, 'exception', 'the server could not complete the request');
}

export function sendError(res: Response, error: FhirApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendFhir(res, error.status, operationOutcome(error.issue, error.diagnostics));
}

/** The FHIR API's error middleware (body parsers' errors and anything thrown past a handler). */
export const fhirErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const error = toFhirApiError(err);
  if (error.status === 500) req.log?.error({ err }, 'unhandled error in the FHIR API');
  if (!res.headersSent) sendError(res, error);
};
