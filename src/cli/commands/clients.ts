import { createClient, describeClient, rotateClientSecret, setClientDisabled } from '../../admin/clients.ts';
import { clientCreate, clientListQuery } from '../../admin/schemas.ts';
import { parseInput } from '../../http/validate.ts';
import { listClients, type Client } from '../../store/clients.ts';
import { decodeCursor } from '../../store/paging.ts';
import { defineCommand } from '../registry.ts';
import { flag, integer, list, positionals, readJsonFile, text } from './options.ts';

const line = (c: Client) =>
  [c.id, c.type, c.source, c.roles.join(',') || '-', c.disabled ? 'disabled' : 'enabled', c.name].join('\t');

export const clientsList = defineCommand({
  name: 'clients list',
  summary: 'List clients (id, type, source, roles, state, name)',
  usage: '[--role <role>] [--source config|admin|registration]',
  options: { role: { type: 'string' }, source: { type: 'string' } },
  run: async (ctx, args) => {
    const db = await ctx.db();
    const filter = parseInput(clientListQuery.pick({ role: true, source: true }), { role: text(args, 'role'), source: text(args, 'source') });
    const items: Client[] = [];
    for (let after: string | undefined, guard = 0; guard < 10_000; guard++) {
      const page = await listClients(db, { limit: 200, after }, filter);
      items.push(...page.items);
      if (!page.next) break;
      after = decodeCursor(page.next);
    }
    ctx.print(items.map(describeClient), items.map(line).join('\n') || '(no clients)');
  },
});

export const clientsAdd = defineCommand({
  name: 'clients add',
  summary: 'Add a client; a confidential-symmetric one gets a generated secret, printed once',
  usage:
    '--id <id> --name <name> --type public|confidential-symmetric|confidential-asymmetric [--redirect-uri <url>]... ' +
    '[--launch-uri <url>] [--scope <scopes>] [--grant-type <type>]... [--role <role>]... [--consent required|trusted] ' +
    '[--jwks-uri <url> | --jwks-file <file>]   or: --from-file <client.json> (an entry as in clients.json, without a secret)',
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'launch-uri': { type: 'string' },
    scope: { type: 'string' },
    'grant-type': { type: 'string', multiple: true },
    role: { type: 'string', multiple: true },
    consent: { type: 'string' },
    'jwks-uri': { type: 'string' },
    'jwks-file': { type: 'string' },
    'from-file': { type: 'string' },
  },
  run: async (ctx, args) => {
    positionals(args);
    const file = text(args, 'from-file');
    const jwksFile = text(args, 'jwks-file');
    const fields = file
      ? readJsonFile(file)
      : Object.fromEntries(
          Object.entries({
            id: text(args, 'id'),
            name: text(args, 'name') ?? text(args, 'id'),
            type: text(args, 'type'),
            redirectUris: list(args, 'redirect-uri'),
            launchUri: text(args, 'launch-uri'),
            scope: text(args, 'scope'),
            grantTypes: list(args, 'grant-type'),
            roles: list(args, 'role'),
            consent: text(args, 'consent'),
            jwksUri: text(args, 'jwks-uri'),
            jwks: jwksFile ? readJsonFile(jwksFile) : undefined,
          }).filter(([, v]) => v !== undefined),
        );
    const input = parseInput(clientCreate, fields);
    const { client, secret } = await createClient(await ctx.db(), ctx.actor, input);
    ctx.print(
      { client: describeClient(client), ...(secret ? { secret } : {}) },
      `added client ${client.id} (${client.type})${secret ? `\nclient secret (shown only now): ${secret}` : ''}`,
    );
  },
});

export const clientsDisable = defineCommand({
  name: 'clients disable',
  summary: 'Disable a client: it stops authenticating and its tokens introspect inactive, on every instance at once',
  usage: '<client-id> [--enable]',
  options: { enable: { type: 'boolean' } },
  run: async (ctx, args) => {
    const [id] = positionals(args, 'client-id');
    const enable = flag(args, 'enable');
    const client = await setClientDisabled(await ctx.db(), ctx.actor, id!, !enable);
    ctx.print(describeClient(client), `${enable ? 'enabled' : 'disabled'} client ${client.id}`);
  },
});

export const clientsRotateSecret = defineCommand({
  name: 'clients rotate-secret',
  summary: 'Give a confidential-symmetric client a new secret (printed once); the old one works --overlap-seconds more',
  usage: '<client-id> [--overlap-seconds <n>]',
  options: { 'overlap-seconds': { type: 'string' } },
  run: async (ctx, args) => {
    const [id] = positionals(args, 'client-id');
    const overlap = integer(args, 'overlap-seconds') ?? 0;
    const { client, secret } = await rotateClientSecret(await ctx.db(), ctx.actor, id!, overlap);
    const until = client.previousSecretExpiresAt?.toISOString();
    ctx.print(
      { client: describeClient(client), secret },
      `new secret for ${client.id} (shown only now): ${secret}\n${until ? `the old secret works until ${until}` : 'the old secret no longer works'}`,
    );
  },
});

export const clientCommands = [clientsAdd, clientsList, clientsDisable, clientsRotateSecret];
