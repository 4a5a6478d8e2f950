import express, { type RequestHandler } from 'express';

export interface FormLimits {
  limitBytes: number;
  parameterLimit: number;
}

/** Where the hot routes (src/http/hot-routes.ts) leave a body they have already read: its fields, or body-parser's error. */
export const PREREAD_FORM = Symbol('preread form');

declare module 'node:http' {
  interface IncomingMessage {
    [PREREAD_FORM]?: Record<string, string | string[]> | Error;
  }
}

/**
 * A urlencoded body (express.urlencoded, `extended: false`) within these
 * limits; when the hot route already read it, its result takes effect here,
 * at the same point of the route, so the answer is the same either way.
 */
export function formBody(limits: FormLimits): RequestHandler {
  const parser = express.urlencoded({ extended: false, limit: limits.limitBytes, parameterLimit: limits.parameterLimit });
  return (req, res, next) => {
    const preread = req[PREREAD_FORM];
    if (preread === undefined) return parser(req, res, next);
    if (preread instanceof Error) return next(preread);
    req.body = preread;
    next();
  };
}
