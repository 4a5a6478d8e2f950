// Permission letters (SMART 2.x: "a subset of the in-order string .cruds") and the v1 mapping.

export const CRUDS = 'cruds';

// SMART 2.x "SHOULD process v1 scopes with the following semantics in v2".
export const V1_TO_V2: ReadonlyMap<string, string> = new Map([
  ['read', 'rs'],
  ['write', 'cud'],
  ['*', 'cruds'],
]);

/**
 * The v1 word for a v2 letter set, when one exists.
 *
 * @example
 * v1Word('rs'); // 'read'
 * v1Word('r');  // undefined
 */
export function v1Word(letters: string): string | undefined {
  for (const [word, v2] of V1_TO_V2) if (v2 === letters) return word;
  return undefined;
}

/**
 * Letters of `a` that are also in `b`, in c-r-u-d-s order.
 *
 * @example
 * intersectLetters('cruds', 'rs'); // 'rs'
 */
export function intersectLetters(a: string, b: string): string {
  return [...CRUDS].filter((l) => a.includes(l) && b.includes(l)).join('');
}

/**
 * Letters in `a` or `b`, in c-r-u-d-s order.
 *
 * @example
 * unionLetters('s', 'cr'); // 'crs'
 */
export function unionLetters(a: string, b: string): string {
  return [...CRUDS].filter((l) => a.includes(l) || b.includes(l)).join('');
}

/**
 * Whether every letter of `inner` is in `outer`.
 *
 * @example
 * lettersWithin('r', 'rs'); // true
 */
export function lettersWithin(inner: string, outer: string): boolean {
  return [...inner].every((l) => outer.includes(l));
}

export type PermissionParse = { ok: true; letters: string; syntax: 'v1' | 'v2' } | { ok: false; reason: string };

/**
 * Reads the text after `.`; the reasons name the rule that was broken.
 *
 * @example
 * parsePermissions('read'); // { ok: true, letters: 'rs', syntax: 'v1' }
 * parsePermissions('sr');   // { ok: false, reason: "permissions 'sr' are out of order: ..." }
 */
export function parsePermissions(text: string): PermissionParse {
  if (text === '') return { ok: false, reason: "no permissions after '.' (use v2 letters such as rs, or v1 read/write/*)" };
  const v1 = V1_TO_V2.get(text);
  if (v1 !== undefined) return { ok: true, letters: v1, syntax: 'v1' };
  if (/^c?r?u?d?s?$/.test(text)) return { ok: true, letters: text, syntax: 'v2' };
  if (/read|write|\*/.test(text)) {
    return { ok: false, reason: `permissions '${text}' mix v1 (read, write, *) and v2 (c r u d s) syntax` };
  }
  const lower = text.toLowerCase();
  if (lower !== text && (V1_TO_V2.has(lower) || /^c?r?u?d?s?$/.test(lower))) {
    return { ok: false, reason: `permissions are lower case: use '${lower}', not '${text}'` };
  }
  const unknown = [...text].find((l) => !CRUDS.includes(l));
  if (unknown !== undefined) {
    return { ok: false, reason: `unknown permission '${unknown}' (v2 permissions are c, r, u, d, s; v1 are read, write, *)` };
  }
  const repeated = [...text].find((l, i) => text.indexOf(l) !== i);
  if (repeated !== undefined) return { ok: false, reason: `permission '${repeated}' is repeated` };
  return { ok: false, reason: `permissions '${text}' are out of order: they must follow c-r-u-d-s order (e.g. rs, not sr)` };
}
