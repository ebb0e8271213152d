// Mutation testing (issue 9, "tests that can fail"): `npm run mutate`. Stryker changes one small
// thing at a time in the code under src/service, src/health, src/proxy and src/config, runs the unit
// tests that reach it, and counts the changes no test noticed. The unit tests run as Node runs them
// everywhere else (TypeScript by type stripping, no build), through the tap runner, one process per
// test file; `-r hook` is how the runner learns which test file reached which mutant.
/* global process -- Node's, read when Stryker loads this file. */
const folders = (process.env.MUTATE_FOLDERS ?? 'service,health,proxy,config').split(',').map((f) => f.trim()).filter(Boolean);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    // MUTATE_TESTS='src/config/**/*.test.ts': only those test files count (a lower bound, for files whose mutants the whole suite takes hours over).
    testFiles: (process.env.MUTATE_TESTS ?? 'src/**/*.test.ts').split(',').map((g) => g.trim()).filter(Boolean),
    nodeArgs: ['--test-reporter=tap', '--test-timeout=20000', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // MUTATE_FOLDERS=health,service npm run mutate: only those folders (RESULTS.md keeps the others' rows).
  mutate: [
    `src/${folders.length > 1 ? `{${folders.join(',')}}` : folders[0]}/**/*.ts`,
    '!src/**/*.test.ts',
    '!src/**/index.ts',
  ],
  coverageAnalysis: 'perTest',
  // Two cores on the project's machines.
  concurrency: 2,
  // Added to 1.5 × a mutant's normal test time: a mutant that loops forever is cut after that.
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Only what the unit tests need is copied into the sandbox.
  ignorePatterns: ['test-artifacts', 'reports', 'dist', 'bench'],
};
