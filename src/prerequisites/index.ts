export { prerequisitesOf, CHECKS, type CheckDeps } from './checks.ts';
export { engineFinding } from './engine.ts';
export { Prerequisites, type PrerequisitesOptions } from './monitor.ts';
export type { Finding, Prerequisite, PrerequisiteResult } from './prerequisite.ts';
