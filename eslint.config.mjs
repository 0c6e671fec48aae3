// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'better-sqlite3', 'rxjs', 'commander', 'child_process', 'node:child_process', 'os', 'node:os', 'crypto', 'node:crypto'];

const CATALOG_PORTS = 'the catalog is reached through its ports (app.catalog, projections/ports/), never a database handle';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The domain is pure: no I/O, no clock, no randomness, no framework (DESIGN §1).
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: IO_MODULES, patterns: ['../infrastructure/*', '../projections/*', '../cli/*', '../application/*', '../../infrastructure/*', '../../cli/*', '../../application/*', '../../projections/*', '**/cli/*'] }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'time comes in commands (an injected clock)' }, { name: 'process', message: 'no process state in the domain' }],
    },
  },
  {
    // Nothing imports the CLI; projections and infrastructure see only the domain (and each other's ports).
    files: ['application/**/*.ts', 'infrastructure/**/*.ts', 'projections/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/cli/*'] }],
    },
  },
  {
    // Use cases and commands reach the catalog through its ports (projections/ports/): no database
    // handle, no SQL, no SQLite implementation. Only the composition root opens and wires it.
    files: ['application/**/*.ts'],
    ignores: ['application/compose.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: CATALOG_PORTS }], patterns: ['**/cli/*', '**/projections/sqlite/*'] }],
    },
  },
  {
    files: ['cli/**/*.ts'],
    ignores: ['cli/bootstrap.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: CATALOG_PORTS }], patterns: ['**/projections/sqlite/*'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The event store and the catalog are asynchronous (issue 21): a Promise left unawaited
    // (a write that may not have happened, a read compared as if it were its value) is
    // caught here, with the types (typed lint: the TypeScript project service).
    files: ['application/**/*.ts', 'cli/**/*.ts', 'web/**/*.ts', 'projections/**/*.ts', 'infrastructure/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs what describe and it return: nothing to await there.
        { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
