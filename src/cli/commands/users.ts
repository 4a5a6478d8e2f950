import { createUser, describeUser, setUserDisabled, updateUser } from '../../admin/users.ts';
import { userCreate } from '../../admin/schemas.ts';
import { parseInput } from '../../http/validate.ts';
import { defineCommand, UsageError } from '../registry.ts';
import { flag, jsonOrString, list, positionals, text } from './options.ts';

export const usersAdd = defineCommand({
  name: 'users add',
  summary: 'Add a local user; without --password-stdin a password is generated and printed once',
  usage: '--username <name> [--id <id>] [--fhir-user Practitioner/<id>] [--attribute <name>=<json or text>]... [--password-stdin]',
  options: {
    username: { type: 'string' },
    id: { type: 'string' },
    'fhir-user': { type: 'string' },
    attribute: { type: 'string', multiple: true },
    'password-stdin': { type: 'boolean' },
  },
  run: async (ctx, args) => {
    positionals(args);
    const attributes = Object.fromEntries(
      (list(args, 'attribute') ?? []).map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--attribute ${pair}: expected <name>=<value>`);
        return [pair.slice(0, at), jsonOrString(pair.slice(at + 1))];
      }),
    );
    // A password on the command line would sit in the shell history and the process list.
    const password = flag(args, 'password-stdin') ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
    const input = parseInput(userCreate, {
      username: text(args, 'username'),
      id: text(args, 'id'),
      fhirUser: text(args, 'fhir-user'),
      attributes,
      password,
    });
    const { user, password: generated } = await createUser(await ctx.db(), ctx.actor, input);
    ctx.print(
      { user: describeUser(user), ...(generated ? { password: generated } : {}) },
      `added user ${user.username} (id ${user.id})${generated ? `\npassword (shown only now): ${generated}` : ''}`,
    );
  },
});

export const usersSetAttribute = defineCommand({
  name: 'users set-attribute',
  summary: 'Set one attribute claim rules read (a JSON value, or text; null removes it)',
  usage: '<user-id> <name> <value>',
  run: async (ctx, args) => {
    const [id, name, value] = positionals(args, 'user-id', 'name', 'value');
    const user = await updateUser(await ctx.db(), ctx.actor, id!, { attributes: { [name!]: jsonOrString(value!) } });
    ctx.print(describeUser(user), `${user.username}: ${name} = ${JSON.stringify(user.attributes[name!] ?? null)}`);
  },
});

export const usersDisable = defineCommand({
  name: 'users disable',
  summary: 'Disable a user: no sign-in, and their tokens introspect inactive',
  usage: '<user-id> [--enable]',
  options: { enable: { type: 'boolean' } },
  run: async (ctx, args) => {
    const [id] = positionals(args, 'user-id');
    const enable = flag(args, 'enable');
    const user = await setUserDisabled(await ctx.db(), ctx.actor, id!, !enable);
    ctx.print(describeUser(user), `${enable ? 'enabled' : 'disabled'} user ${user.username}`);
  },
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const userCommands = [usersAdd, usersSetAttribute, usersDisable];
