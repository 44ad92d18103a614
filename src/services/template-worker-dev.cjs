// The template pool's worker when the service runs from its TypeScript sources
// (tsx, vitest): registers tsx in the worker thread, then loads the real worker.
// The compiled build (dist/) loads template-worker.js directly.
require('tsx/cjs/api').register();
module.exports = require('./template-worker.ts');
