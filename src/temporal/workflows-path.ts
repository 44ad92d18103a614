import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths';

/** The workflow sources the worker bundles: the TypeScript ones when present, else the built ones. */
export function workflowsPath(): string {
  const source = path.join(repoRoot, 'workflows', 'index.ts');
  return fs.existsSync(source) ? source : path.join(repoRoot, 'dist', 'workflows', 'index.js');
}
