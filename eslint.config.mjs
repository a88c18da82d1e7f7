// typescript-eslint's recommended rules over the whole tree, plus the habits STYLE.md asks for.
// Formatting is prettier's (npm run lint runs both); import direction is dependency-cruiser's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'prisma/*/generated/',
      'bench/results/',
      'coverage/',
      '.cells/',
      '.scratch/',
      '**/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Command-line entry points and tests talk to a terminal.
    files: [
      'cli/**',
      'bench/**',
      'scripts/**',
      'deployment/**',
      'test/**',
      '**/main.ts',
      'gateway/token.ts',
      'gateway/printSupergraph.ts',
      'prisma/migrateCli.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests and the bench read answers as the JSON they are.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
