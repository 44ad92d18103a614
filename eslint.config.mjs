// Lint rules from STYLE.md: floating promises, type-only imports, import cycles,
// strict equality, the workflow sandbox, and the layering of ARCHITECTURE.md
// ("Where things live": which folder may import which).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const root = import.meta.dirname;
const inRoot = (glob) => `${root}/${glob}`;

/** Everything under src/ except the listed folders and top-level files. */
const srcExcept = (folders, files = []) => [
  inRoot(`src/!(${folders.join('|')})/**`),
  inRoot(files.length > 0 ? `src/!(${files.join('|')}).ts` : 'src/*.ts'),
];
const outsideSrc = [inRoot('activities/**'), inRoot('workflows/**'), inRoot('test/**')];
/** The one file of workflows/ that other layers may import: the contract's names and types. */
const contract = ['**/workflows/contract.ts'];

/** The table of ARCHITECTURE.md: a zone per folder, naming what it must not import. */
const layers = [
  {
    target: 'src/domain',
    from: [...srcExcept(['domain']), ...outsideSrc],
    message: 'src/domain is pure: it imports nothing outside src/domain.',
  },
  {
    target: 'src/db',
    from: [...srcExcept(['domain', 'db'], ['paths']), ...outsideSrc],
    message: 'src/db may import only src/domain (and drizzle, pg).',
  },
  {
    target: 'src/channels',
    from: [...srcExcept(['domain', 'channels']), ...outsideSrc],
    message: 'src/channels holds adapters only: no database, no secrets; it may import src/domain.',
  },
  {
    target: 'src/providers',
    from: [...srcExcept(['domain', 'db', 'channels', 'providers'], ['secrets']), ...outsideSrc],
    message: 'src/providers may import src/channels, src/db, src/domain and the secret box.',
  },
  {
    target: 'src/services',
    from: [...srcExcept(['domain', 'db', 'channels', 'providers', 'services'], ['secrets']), ...outsideSrc],
    message: 'src/services may import src/providers, src/db, src/domain, src/channels and the secret box.',
  },
  {
    target: 'src/temporal',
    from: [...srcExcept(['domain', 'temporal'], ['paths']), ...outsideSrc],
    except: contract,
    message: 'src/temporal may import src/domain and workflows/contract.ts.',
  },
  {
    target: 'src/api',
    from: [...srcExcept(['domain', 'db', 'services', 'temporal', 'api']), ...outsideSrc],
    except: contract,
    message: 'src/api may import src/services, src/db, src/temporal, src/domain and workflows/contract.ts.',
  },
  {
    target: 'src/api/routes',
    from: [inRoot('src/api/routes/**')],
    message: 'A route never imports another route: shared schemas live in src/api/schemas, shared logic in src/services.',
  },
  {
    target: 'src/dev',
    from: [...srcExcept(['dev', 'channels'], ['config', 'paths']), ...outsideSrc],
    message: 'src/dev stands in for external services: it may import src/channels types and Node only.',
  },
  {
    target: 'activities',
    from: [inRoot('src/api/**'), inRoot('workflows/**'), inRoot('test/**')],
    except: contract,
    message: 'Activities may import src/ except src/api/, and only the contract of workflows/.',
  },
  {
    target: 'workflows',
    from: [...srcExcept(['domain']), inRoot('test/**')],
    message: 'Workflows run in a deterministic sandbox: from src/ they import only src/domain.',
  },
  {
    target: 'src',
    from: [inRoot('test/**')],
    message: 'Production code never imports test code.',
  },
];

const noDrizzleOutsideDb = {
  group: ['drizzle-orm', 'drizzle-orm/*', 'pg'],
  message: 'Queries live in src/db/repositories: use a repository.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'console/dist/', 'console/src/api/schema.d.ts', 'data/', '.tools/', 'drizzle/', '**/*.mjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: layers }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The console is a browser app with its own tsconfig; the layering zones are the service's.
    // It may import src/domain (pure) through the `@domain` alias, which the resolver here does not know.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: { 'import-x/no-cycle': 'off', 'import-x/no-restricted-paths': 'off' },
  },
  {
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/db/**', 'src/dev/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noDrizzleOutsideDb] }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'bench/bare-workflows.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows run in a deterministic sandbox: no Node built-ins.' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows import only the types of activities.' },
            noDrizzleOutsideDb,
          ],
        },
      ],
    },
  },
);
