/** The command line's own rules, kept out of main.ts so it stays the list of commands. */
export { unknownCommand } from './unknown-command.ts';
