/**
 * Unknown commands. `serve` is the default command, so commander would take a misspelt command
 * as an argument of serve ("too many arguments for 'serve'"); the first word that is neither an
 * option nor an option's value is checked against the commands first.
 */
import type { Command } from 'commander';
import { closest } from '../config/index.ts';

/** The sentence to print when argv names no known command; undefined when it does, or names none. */
export function unknownCommand(program: Command, argv: readonly string[]): string | undefined {
  const word = commandWord(program, argv);
  if (word === undefined) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(word) || word === 'help') return undefined;
  const near = closest(word, names);
  return near !== undefined ? `unknown command '${word}'. Did you mean '${near}'?` : `unknown command '${word}'. Commands: ${names.join(', ')} (drowse --help)`;
}

/** The first argument that is not an option or the value of one (`-c FILE`). */
function commandWord(program: Command, argv: readonly string[]): string | undefined {
  const takesValue = new Set(
    [program, ...program.commands].flatMap((c) => c.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined))),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-')) return arg;
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}
