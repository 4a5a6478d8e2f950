import { readFileSync } from 'node:fs';
import { UsageError, type CommandArgs } from '../registry.ts';

/** Reading parsed options and positionals, with usage errors that say what is missing. */

export function text(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function list(args: CommandArgs, name: string): string[] | undefined {
  const value = args.values[name];
  return Array.isArray(value) ? value.map(String) : undefined;
}

export function flag(args: CommandArgs, name: string): boolean {
  return args.values[name] === true;
}

export function integer(args: CommandArgs, name: string): number | undefined {
  const value = text(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** The positional arguments, exactly `names.length` of them. */
export function positionals(args: CommandArgs, ...names: string[]): string[] {
  if (args.positionals.length !== names.length)
    throw new UsageError(`expected ${names.map((n) => `<${n}>`).join(' ') || 'no arguments'}, got ${args.positionals.length}`);
  return args.positionals;
}

export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}

/** A value given on the command line: JSON when it parses as JSON (["a"], 3, true, null), else the plain string. */
export function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
