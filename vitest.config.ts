import { defineConfig } from 'vitest/config';

// One config for the workspace: every package's tests live in packages/<name>/test.
// tsconfigPaths: @ea/* imports resolve to the sources through tsconfig.json's paths, as they do
// for tsc and tsx, while the published exports point at dist/.
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts', 'playground/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['scripts/vitest-setup.ts'],
  },
});
