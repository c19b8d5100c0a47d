// Lint rules: typescript-eslint's recommended set, plus the layering of DESIGN.md §3 — each folder may
// import only the folders below it, the pure ones import nothing from Node, and web/ only the pure protocol.
import tseslint from 'typescript-eslint';

const layers = ['host', 'display', 'codec', 'session', 'auth', 'server', 'broker', 'upgrade', 'cli'];
const pure = ['version', 'config', 'license', 'protocol'];

function above(folder) {
  return layers.slice(layers.indexOf(folder) + 1);
}

function forbid(folders, message) {
  return folders.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../src/${f}/*`]).map((group) => ({ group: [group], message }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'scripts/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
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
            ...forbid([...layers, 'config', 'license'], 'web/ may import only src/protocol, src/version and src/errors.'),
          ],
        },
      ],
    },
  },
);
