export { HttpEntrypoint, type HttpEntrypointOptions, type HttpRoute, type HttpService } from './server.ts';
export { answerError, answerFor, acceptsJson } from './answer.ts';
