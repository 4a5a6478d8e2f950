import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * Sees this process's own writes (query builder) to the tables the caches
 * depend on, as they are sent, so the caches can stop answering for them
 * until the database's NOTIFY for the change arrives (src/cache/index.ts):
 * what this instance just changed is never answered from memory, even before
 * the notification comes back. A grant counts only when its revocation
 * changes (`revoked_at`), as in the NOTIFY trigger.
 */
export class WriteWatch implements KyselyPlugin {
  onWrite: (table: string) => void = () => {};

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    const table = writtenTable(node);
    if (table) this.onWrite(table);
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

const WATCHED = new Set(['clients', 'users', 'revocations', 'grants']);

function tableName(node: unknown): string | undefined {
  const table = node as { kind?: string; table?: { identifier?: { name?: string } } } | undefined;
  return table?.kind === 'TableNode' ? table.table?.identifier?.name : undefined;
}

function writtenTable(node: RootOperationNode): string | undefined {
  let table: string | undefined;
  if (node.kind === 'InsertQueryNode') table = tableName(node.into);
  else if (node.kind === 'DeleteQueryNode') table = tableName(node.from.froms[0]);
  else if (node.kind === 'UpdateQueryNode') {
    table = tableName(node.table);
    const columns = (node.updates ?? []).map((u) => (u.column as { column?: { name?: string } }).column?.name);
    if (table === 'grants' && !columns.includes('revoked_at')) return undefined;
  }
  // A new grant is in no cache.
  if (node.kind === 'InsertQueryNode' && table === 'grants') return undefined;
  return table && WATCHED.has(table) ? table : undefined;
}
