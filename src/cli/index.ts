/** The command line's own rules, kept out of main.ts so it stays the list of commands. */
export { unknownCommand } from './unknown-command.ts';
export { EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
export { explicitTarget, parseControlAddress, ControlAddressError, type CliControlTarget } from './target.ts';
export { renderStatus, renderFindings, table, bytes, type StatusDocument } from './status-table.ts';
export { probe } from './probe.ts';
