import fs from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../temporal/workflows-path';

/**
 * `npm run build:workflows [out]`: bundles the workflow code once at build
 * time (the Dockerfile does), so a worker given `TEMPORAL_WORKFLOW_BUNDLE`
 * starts without webpack and without the TypeScript sources.
 */
async function main(out: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath() });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
}

main(path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js')).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
