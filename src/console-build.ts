import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { CONSOLE_DIST, repoRoot } from './paths';

/** True when the console's assets are there to serve. */
export function consoleBuilt(dir: string = CONSOLE_DIST): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/**
 * Builds the operator console (`npm run console:build`) when its assets are missing, so
 * `npm start` on a fresh clone serves it with no extra step. A failed build is logged and
 * the API still starts: /console then says how to build it.
 */
export async function ensureConsoleBuilt(log: Logger, dir: string = CONSOLE_DIST): Promise<void> {
  if (consoleBuilt(dir)) return;
  log.info('building the console (console/dist is missing)');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'console:build'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (err) => {
      stderr += String(err);
      resolve(null);
    });
    child.on('close', (status) => {
      if (status !== 0) log.error({ stderr }, 'the console build failed; /console will answer 503 until `npm run console:build` succeeds');
      resolve(status);
    });
  });
  if (code === 0) log.info('console built');
}
