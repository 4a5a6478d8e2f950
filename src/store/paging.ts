/**
 * Keyset paging for lists (admin API, CLI): a page is at most `limit` items
 * after the cursor; `next` is the cursor of the following page, or null at the end.
 * A cursor is the last item's sort key, opaque to callers (base64url of JSON).
 */
export interface PageRequest {
  limit: number;
  /** The sort key of the last item of the previous page (decoded cursor). */
  after?: string | undefined;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

/** Builds a page from up to limit+1 rows (the extra row only says that there is more). */
export function pageAfter<T>(rows: T[], limit: number, key: (item: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next: more && items.length ? encodeCursor(key(items[items.length - 1]!)) : null };
}

/** The sort key of a newest-first list (launches, grants): "<created_at ISO>|<id>". */
export function createdKey(createdAt: Date, id: string): string {
  return `${createdAt.toISOString()}|${id}`;
}

/** A createdKey read back; undefined when it is not one (the list then starts at the newest). */
export function parseCreatedKey(key: string | undefined): { createdAt: Date; id: string } | undefined {
  const [at, id] = (key ?? '').split('|');
  const createdAt = new Date(at ?? '');
  return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined;
}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify([key]), 'utf8').toString('base64url');
}

/** The sort key in a cursor, or undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
  } catch {
    return undefined;
  }
}
