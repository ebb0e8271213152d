/** The loading page, the reserved /__drowse/ routes and the SSE of wake events. */
export { isPageNavigation } from './classify.ts';
export { LoadingSite, DEFAULT_SSE_LIMITS, type LoadingSiteOptions, type ReservedOutcome, type SiteService, type SseLimits } from './site.ts';
export { DEFAULT_HEARTBEAT_MS } from './events.ts';
export { describe } from './sentences.ts';
export type { ShownEvent } from './events.ts';
