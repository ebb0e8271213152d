// What the benchmark scripts and the smoke test use from outside this folder.
export { freePort } from '../../test/helpers/index.ts';
export { which, ensureTools, TOOLS, type Tool, type Available } from './tools.ts';
export { bundleOrigin, summarizeProfile, type CpuProfile, type Origin } from './profile-summary.ts';
