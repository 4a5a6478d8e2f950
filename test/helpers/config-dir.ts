import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A copy of the default smart-config/ with one file changed by `edit`. */
export function configWith(file: string, edit: (json: any) => unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'smart-config-'));
  cpSync('smart-config', dir, { recursive: true });
  const target = path.join(dir, file);
  writeFileSync(target, JSON.stringify(edit(JSON.parse(readFileSync(target, 'utf8')))));
  return dir;
}
