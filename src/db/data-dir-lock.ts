import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataDirectoryError } from './errors.ts';

const LOCK_FILE = 'smart-launch.pid';

/**
 * Takes the PGlite data directory for this process: a pid file created
 * exclusively. A file left by a process that is gone is taken over.
 * Returns the release function.
 */
export function lockDataDirectory(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
        throw new DataDirectoryError(
          `the PGlite data directory ${dir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}. ` +
            'Only one instance can use a PGlite directory: stop the other one, or use PostgreSQL (DATABASE_URL) for several instances. ' +
            `If no such instance runs, delete ${file}.`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new DataDirectoryError(`the PGlite data directory ${dir} could not be locked (${file})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
