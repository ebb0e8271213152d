/** The loading page, the reserved /__drowse/ routes and the SSE of wake events. */
export { isPageNavigation } from './classify.ts';
export { LoadingSite, type LoadingSiteOptions, type ReservedOutcome, type SiteService } from './site.ts';
export { DEFAULT_HEARTBEAT_MS } from './events.ts';
