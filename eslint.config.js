// ESLint (`make lint`, run by scripts/test.sh after the type-check): typescript-eslint's
// recommended type-checked rules on every TypeScript file tsconfig.json covers, ESLint's
// recommended rules on the plain JavaScript (build scripts, test helpers). Layout is Prettier's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tap/', 'test/fixtures/', 'test/vm/drbd9/', 'crm-examples/'] },
  js.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Parsed JSON, XML and YAML are `any` by nature; each reader checks shapes field by field.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Agents' actions are `async` by contract (dispatch awaits them) even when one needs no await.
      '@typescript-eslint/require-await': 'off',
      // `_` marks an unused callback argument; `{ dropped, ...rest }` is how a field is left out.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Values read from untyped input are stringified on purpose, to quote them in messages.
      '@typescript-eslint/no-base-to-string': 'off',
      // `let last = ''` before a retry loop states the type; the rule cannot see each path assigns.
      'no-useless-assignment': 'off',
      // Terminal escapes and control characters are what the output sanitisers look for.
      'no-control-regex': 'off',
    },
  },
  {
    // The agents run on every node every few seconds and ship only themselves and
    // lib/agent-runtime (lib/README.md): never the admin side, never a package. Admin code may
    // import the agent runtime, not the reverse. test/unit/agent-bundle.test.ts checks the same
    // on the built bundles, which also catches what a specifier hides (dynamic imports, `..` detours).
    files: ['agents/**/*.ts', 'lib/agent-runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(lib/)?admin/',
              message: 'lib/admin is the admin CLI: agents and lib/agent-runtime must not import it.',
            },
            {
              regex: '^(?!node:|\\.)',
              message: 'Agent bundles hold no packages: use Node built-ins (node:...) or lib/agent-runtime.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // tap awaits the subtests that t.test() queues; awaiting each one by hand adds nothing.
      '@typescript-eslint/no-floating-promises': 'off',
      // Expected output is column-aligned text; the regex shows the spaces as the user sees them.
      'no-regex-spaces': 'off',
      // Tests swap a fake host's methods (`host.run = ...`) and keep the real one to call.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
