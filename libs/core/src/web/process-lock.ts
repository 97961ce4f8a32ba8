import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class AlreadyRunning extends Error {
  override name = 'AlreadyRunning';
}

/**
 * One platform process per data folder in the embedded default: a second `npm start` would fight the first over
 * the same PostgreSQL. A lock left by a crashed process (its pid is gone) is taken over.
 */
export function acquireProcessLock(dataDir: string, name: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, `${name}.pid`);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0 && pid !== process.pid && alive(pid)) {
      throw new AlreadyRunning(
        `Consilium is already running from this folder (pid ${pid}, data in ${dataDir}). Stop it first, or set DATA_DIR and PORT to run a second copy.`,
      );
    }
  }
  writeFileSync(file, String(process.pid));
  return () => {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
