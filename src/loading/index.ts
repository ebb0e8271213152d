export { isPageNavigation, acceptsHtml } from './classify.ts';
export { WakeHistory } from './history.ts';
