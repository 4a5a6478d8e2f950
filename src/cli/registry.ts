import { parseArgs, type ParseArgsConfig } from 'node:util';
import { cliActor, type Actor } from '../admin/actor.ts';
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { migrateToLatest, openDatabase, type Db, type OpenDatabase } from '../db/index.ts';
import { OAuthError } from '../oauth/errors.ts';

/**
 * The CLI's command registry. A command is data (name, summary, options) plus
 * `run`; main.ts dispatches on the longest name matching the arguments. Add a
 * command by exporting it from a module in commands/ and listing it in commands/index.ts.
 *
 * @example
 *   export const keysList = defineCommand({
 *     name: 'keys list', summary: 'List signing keys',
 *     run: async (ctx) => { for (const key of await listKeys(await ctx.db())) ctx.print(key, `${key.kid} ${key.alg}`); },
 *   });
 */
export interface Command {
  /** Words, e.g. `clients add`. */
  name: string;
  summary: string;
  /** Synopsis of arguments and options, for help. */
  usage?: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CliContext, args: CommandArgs): Promise<void>;
}

export interface CommandArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface CliContext {
  env: Record<string, string | undefined>;
  /** smart-config/ (SMART_CONFIG_DIR) and the environment, validated; loaded on first use. */
  config(): Config;
  /** The service's database (DATABASE_URL, or the PGlite directory), migrated; opened on first use. */
  db(): Promise<Db>;
  actor: Actor;
  /** `--json`: print values as JSON instead of text. */
  json: boolean;
  /** Prints a value: as JSON with --json, else the text. */
  print(value: unknown, text: string): void;
  /** A line on stderr (warnings; never a secret). */
  warn(text: string): void;
}

/** A mistake in the command line: exit 64 (EX_USAGE) with the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const defineCommand = (command: Command): Command => command;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(commands: readonly Command[], argv: readonly string[], io: CliIo): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = [...commands]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w) && argv.slice(0, c.name.split(' ').length).every((a) => !a.startsWith('-')));
  if (!command) {
    const asked = argv[0] && !['help', '--help', '-h'].includes(argv[0]);
    (asked ? io.stderr : io.stdout)(`${asked ? `smart-launch: unknown command "${argv.join(' ')}"\n\n` : ''}${help(commands)}`);
    return asked ? 64 : 0;
  }

  let database: OpenDatabase | undefined;
  let config: Config | undefined;
  try {
    const rest = argv.slice(command.name.split(' ').length);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${usage(command)}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const json = parsed.values.json === true;
    const ctx: CliContext = {
      env: io.env,
      config: () => (config ??= loadConfig(io.env)),
      db: async () => {
        if (!database) {
          database = await openDatabase(ctx.config().database);
          await migrateToLatest(database.db);
        }
        return database.db;
      },
      actor: cliActor(),
      json,
      print: (value, text) => io.stdout(`${json ? JSON.stringify(value, null, 2) : text}\n`),
      warn: (text) => io.stderr(`${text}\n`),
    };
    await command.run(ctx, { values: parsed.values, positionals: parsed.positionals });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`smart-launch ${command.name}: ${error.message}\n\n${usage(command)}\n`);
      return 64;
    }
    if (error instanceof ConfigError) {
      io.stderr(`smart-launch: configuration error: ${error.message}\n`);
      return 78; // EX_CONFIG, as at start
    }
    if (error instanceof OAuthError) {
      io.stderr(`smart-launch ${command.name}: ${error.code}: ${error.description}\n`);
      return 1;
    }
    io.stderr(`smart-launch ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}

function usage(c: Command): string {
  return `usage: smart-launch ${c.name}${c.usage ? ` ${c.usage}` : ''} [--json]\n  ${c.summary}`;
}

function help(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: smart-launch <command> [options]   (smart-launch <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Works on the service\'s database: DATABASE_URL, or else the PGlite directory (PGLITE_DIR, default ./.data/pglite;',
    'a PGlite directory is one process\'s at a time, so stop the server first or use the admin API). Config: SMART_CONFIG_DIR.',
    '',
  ].join('\n');
}
