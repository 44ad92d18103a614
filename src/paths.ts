import fs from 'node:fs';
import path from 'node:path';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
}

/** The project's root folder, whether running from sources or from `dist/`. */
export const repoRoot = findRepoRoot(__dirname);

/** Where `npm run console:build` writes the operator console, served at /console. */
export const CONSOLE_DIST = path.join(repoRoot, 'console', 'dist');
