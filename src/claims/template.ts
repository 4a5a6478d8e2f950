import { MISSING, copyJson, isPlainObject } from './json.ts';
import { FORBIDDEN_PATH_SEGMENTS, PROTO_KEY } from './reserved.ts';
import type { ClaimInput } from './types.ts';

/** A load-time problem in a claim value, at a path relative to the value. */
export interface TemplateIssue {
  path: (string | number)[];
  message: string;
}

/** Reads one reference from the input; returns MISSING when the source has no such value. */
type Resolver = (input: ClaimInput) => unknown;

/** A claim value compiled once at load, evaluated on every token request. */
export type CompiledValue =
  | { kind: 'literal'; value: unknown }
  | { kind: 'reference'; resolve: Resolver }
  | { kind: 'text'; parts: (string | Resolver)[] }
  | { kind: 'array'; items: CompiledValue[] }
  | { kind: 'object'; members: [string, CompiledValue][] }
  | { kind: 'missing' };

// Sources that are one value, and sources that are objects a path reads into.
const LEAF_SOURCES: Record<string, (input: ClaimInput) => unknown> = {
  'user.id': (input) => input.user?.id,
  'user.fhirUser': (input) => input.user?.fhirUser,
  'client.id': (input) => input.client.id,
  'client.name': (input) => input.client.name,
  'grant.scope': (input) => input.grant.scope,
  'grant.type': (input) => input.grant.type,
};
const PATH_SOURCES: Record<string, (input: ClaimInput) => unknown> = {
  context: (input) => input.context,
  'user.attributes': (input) => input.user?.attributes,
  'client.metadata': (input) => input.client.metadata,
  'launch.extra': (input) => input.launch?.extra,
};

const REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SEGMENT = /^[^\s{}]+$/;
const SOURCES_HINT = 'use context.<key>, user.id, user.fhirUser, user.attributes.<path>, client.id, client.name, client.metadata.<path>, launch.extra.<path>, grant.scope or grant.type';

/** Parses `user.attributes.roles` into a resolver, or returns the problem with it. */
export function parseReference(expression: string): Resolver | string {
  const shown = `{{${expression}}}`;
  const segments = expression.split('.');
  for (const segment of segments) {
    if (segment === '') return `${shown}: empty path segment`;
    if (FORBIDDEN_PATH_SEGMENTS.has(segment)) return `${shown}: "${segment}" is not allowed in a template path`;
    if (!SEGMENT.test(segment)) return `${shown}: "${segment}" is not a valid path segment`;
  }
  const [first = '', second = ''] = segments;
  const leaf = Object.hasOwn(LEAF_SOURCES, `${first}.${second}`) ? LEAF_SOURCES[`${first}.${second}`] : undefined;
  if (leaf) {
    if (segments.length > 2) return `${shown}: ${first}.${second} has no members`;
    return (input) => present(leaf(input));
  }
  const [source, path] =
    first === 'context'
      ? [PATH_SOURCES.context, segments.slice(1)]
      : [Object.hasOwn(PATH_SOURCES, `${first}.${second}`) ? PATH_SOURCES[`${first}.${second}`] : undefined, segments.slice(2)];
  if (!source) return `${shown}: unknown template source; ${SOURCES_HINT}`;
  if (path.length === 0) return `${shown}: name a member, e.g. {{${expression}.name}}`;
  return (input) => walk(source(input), path);
}

// Own properties only, and never through a prototype-reaching segment.
function walk(start: unknown, path: readonly string[]): unknown {
  let current = start;
  for (const segment of path) {
    if (FORBIDDEN_PATH_SEGMENTS.has(segment)) return MISSING;
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return present(current);
}

const present = (value: unknown) => (value === undefined || value === null ? MISSING : value);

/**
 * Compiles a claim value. Problems are pushed to `issues`; a broken reference compiles to a value
 * that is never present, so a lenient caller may ignore `issues`.
 */
export function compileValue(value: unknown, issues: TemplateIssue[], path: (string | number)[] = []): CompiledValue {
  const problem = (message: string): CompiledValue => {
    issues.push({ path, message });
    return { kind: 'missing' };
  };
  switch (typeof value) {
    case 'string':
      return compileString(value, (message) => problem(message));
    case 'boolean':
      return { kind: 'literal', value };
    case 'number':
      return Number.isFinite(value) ? { kind: 'literal', value } : problem(`${value} is not a JSON number`);
    case 'object': {
      if (value === null) return problem('null is not allowed (leave the claim out instead)');
      if (Array.isArray(value)) {
        const items = value.map((item, i) => compileValue(item, issues, [...path, i]));
        return items.every(isLiteral) ? literal(value) : { kind: 'array', items };
      }
      if (!isPlainObject(value)) return problem('must be a string, number, boolean, array or object');
      const members: [string, CompiledValue][] = [];
      for (const key of Object.keys(value)) {
        if (key === PROTO_KEY) {
          issues.push({ path: [...path, key], message: '"__proto__" is not allowed as a key' });
          continue;
        }
        members.push([key, compileValue(value[key], issues, [...path, key])]);
      }
      return members.every(([, member]) => isLiteral(member)) ? literal(value) : { kind: 'object', members };
    }
    default:
      return problem(`a ${typeof value} is not a claim value`);
  }
}

function compileString(text: string, problem: (message: string) => CompiledValue): CompiledValue {
  const parts: (string | Resolver)[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const resolver = parseReference(match[1] ?? '');
    if (typeof resolver === 'string') return problem(resolver);
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(resolver);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.some((part) => typeof part === 'string' && part.includes('{{')))
    return problem(`"${text}": unterminated or malformed template (templates look like {{user.id}})`);
  if (parts.length === 1 && typeof parts[0] === 'function') return { kind: 'reference', resolve: parts[0] };
  if (parts.every((part) => typeof part === 'string')) return { kind: 'literal', value: text };
  return { kind: 'text', parts };
}

const isLiteral = (compiled: CompiledValue) => compiled.kind === 'literal';
const literal = (value: unknown): CompiledValue => ({ kind: 'literal', value: copyJson(value) });

/** Evaluates a compiled value to a fresh JSON value, or MISSING. */
export function evaluateValue(compiled: CompiledValue, input: ClaimInput): unknown {
  switch (compiled.kind) {
    case 'literal':
      return typeof compiled.value === 'object' ? copyJson(compiled.value) : compiled.value;
    case 'reference': {
      const value = compiled.resolve(input);
      return value === MISSING ? MISSING : copyJson(value);
    }
    case 'text': {
      let text = '';
      for (const part of compiled.parts) {
        if (typeof part === 'string') {
          text += part;
          continue;
        }
        const value = part(input);
        if (typeof value === 'string' || typeof value === 'boolean') text += String(value);
        else if (typeof value === 'number' && Number.isFinite(value)) text += String(value);
        else return MISSING;
      }
      return text;
    }
    case 'array': {
      const out: unknown[] = [];
      for (const item of compiled.items) {
        const value = evaluateValue(item, input);
        if (value !== MISSING) out.push(value);
      }
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, member] of compiled.members) {
        const value = evaluateValue(member, input);
        if (value !== MISSING) out[key] = value;
      }
      return out;
    }
    case 'missing':
      return MISSING;
  }
}

/**
 * Resolves one claim value against an input. A string that is exactly one reference keeps the
 * referenced JSON type; a string mixing text and references interpolates; arrays and objects
 * resolve member by member. A missing source gives `{ present: false }`; invalid templates and
 * non-JSON values resolve as missing rather than throw.
 *
 * @example
 *   resolveTemplate('{{user.attributes.roles}}', input); // { present: true, value: ['physician'] }
 *   resolveTemplate('Patient/{{context.patient}}', input); // { present: true, value: 'Patient/p123' }
 *   resolveTemplate('{{context.encounter}}', { ...input, context: {} }); // { present: false }
 */
export function resolveTemplate(value: unknown, input: ClaimInput): { present: true; value: unknown } | { present: false } {
  const resolved = evaluateValue(compileValue(value, []), input);
  return resolved === MISSING ? { present: false } : { present: true, value: resolved };
}
