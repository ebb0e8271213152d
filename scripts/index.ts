// What the tests use of the scripts folder (the house rule: other folders only via index.ts).
export { bundle, deferPlugin, DEFERRED_FILES, MAIN_OUT, PROGRAM_OUT, REPO_ROOT, type BundleOptions, type Deferred } from './build.ts';
