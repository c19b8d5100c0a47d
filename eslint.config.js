// Lint rules: typescript-eslint's recommended set, plus the layering of DESIGN.md §3 — each folder may
// import only the folders below it, the pure ones import nothing from Node, and web/ only the pure protocol.
// Inside web/, the parts (connection/, render/, input/) never import the page's ui/ or its composition
// (viewer.ts, main.ts): the ui is built on them, not the other way round. And no import cycles anywhere,
// within a folder too (eslint-plugin-import-x's no-cycle; type-only imports, erased at run time, are not counted).
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const layers = ['host', 'display', 'codec', 'session', 'agent', 'auth', 'server', 'upgrade', 'cli'];
const pure = ['version', 'config', 'license', 'protocol', 'control'];

function above(folder) {
  return layers.slice(layers.indexOf(folder) + 1);
}

function forbid(folders, message) {
  return folders
    .flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../src/${f}/*`, `../../src/${f}/*`])
    .map((group) => ({ group: [group], message }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'scripts/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  ...pure.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: `src/${folder} is pure: no Node modules (DESIGN.md §3).` },
            ...forbid(layers, `src/${folder} is pure: it may import only other pure folders.`),
          ],
        },
      ],
    },
  })),
  ...layers.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    ignores: ['src/**/*.test.ts', 'src/**/test-*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: forbid(above(folder), `src/${folder} may import only folders below it (DESIGN.md §3).`) },
      ],
    },
  })),
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'web/ runs in the browser: no Node modules.' },
            ...forbid([...layers, 'config', 'license', 'control'], 'web/ may import only src/protocol, src/version and src/errors.'),
          ],
        },
      ],
    },
  },
  {
    files: ['web/connection/**/*.ts', 'web/render/**/*.ts', 'web/input/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'web/ runs in the browser: no Node modules.' },
            ...forbid([...layers, 'config', 'license', 'control'], 'web/ may import only src/protocol, src/version and src/errors.'),
            ...['../ui/*', '../viewer*', '../main*'].map((group) => ({
              group: [group],
              message: 'web/connection, render and input are below the ui: they may not import web/ui or viewer.ts.',
            })),
          ],
        },
      ],
    },
  },
);
