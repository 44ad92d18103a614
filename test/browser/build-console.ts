import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const consoleDir = path.join(root, 'console');

/** The newest modification time among a folder's files (recursively), 0 when missing. */
function newest(dir: string): number {
  let latest = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    const stat = statSync(full);
    latest = Math.max(latest, stat.isDirectory() ? newest(full) : stat.mtimeMs);
  }
  return latest;
}

/**
 * The browser tests drive the built console as `npm start` serves it: build it when it is
 * missing or older than its sources (and the shared src/domain it imports).
 */
export default function setup(): void {
  const built = (() => {
    try {
      return statSync(path.join(consoleDir, 'dist', 'index.html')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newest(path.join(consoleDir, 'src')), newest(path.join(root, 'src', 'domain')), statSync(path.join(consoleDir, 'index.html')).mtimeMs);
  if (built > sources) return;
  process.stderr.write('[browser-setup] building the console\n');
  // Vitest sets NODE_ENV=test, which would build React and the component library in their test modes
  // (e.g. every dialog labelled by the same id): build what `npm start` serves.
  const result = spawnSync('npm', ['run', '--silent', 'console:build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error('npm run console:build failed');
}
