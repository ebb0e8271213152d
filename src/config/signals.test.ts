/** stop_signal names Docker accepts (signals.ts), and how the schema words the rest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';
import { DOCKER_SIGNALS, signalProblem } from './signals.ts';

const BASE = ['ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX'];
const HINT = 'use one Docker accepts, like SIGTERM, SIGINT, SIGQUIT, SIGHUP or SIGUSR1';

test('every named Linux signal Docker knows is accepted, with SIG, in capitals', () => {
  for (const name of BASE) assert.equal(signalProblem(`SIG${name}`), undefined, name);
  assert.equal(DOCKER_SIGNALS.size, BASE.length + 15 + 14);
});

test('real-time signals go up to RTMIN+15 and down to RTMAX-14, not one further', () => {
  for (let i = 1; i <= 15; i++) assert.equal(signalProblem(`SIGRTMIN+${i}`), undefined);
  for (let i = 1; i <= 14; i++) assert.equal(signalProblem(`SIGRTMAX-${i}`), undefined);
  assert.equal(signalProblem('SIGRTMIN+16'), `unknown signal "SIGRTMIN+16"; ${HINT}`);
  assert.equal(signalProblem('SIGRTMAX-15'), `unknown signal "SIGRTMAX-15"; ${HINT}`);
  assert.equal(signalProblem('SIGRTMIN+0'), `unknown signal "SIGRTMIN+0"; ${HINT}`);
  assert.equal(signalProblem('SIGRTMAX+1'), `unknown signal "SIGRTMAX+1"; ${HINT}`);
});

test('a name one typo from a known signal gets it suggested; two typos get the list of common ones', () => {
  assert.equal(signalProblem('SIGTREM'), 'unknown signal "SIGTREM" (did you mean "SIGTERM"?)');
  assert.equal(signalProblem('SIGKIL'), 'unknown signal "SIGKIL" (did you mean "SIGKILL"?)');
  assert.equal(signalProblem('SIGUSR3'), 'unknown signal "SIGUSR3" (did you mean "SIGUSR1"?)');
  assert.equal(signalProblem('SIGTEXX'), `unknown signal "SIGTEXX"; ${HINT}`);
  assert.equal(signalProblem('SIGFOO'), `unknown signal "SIGFOO"; ${HINT}`);
});

test('names are not case-folded: Docker wants capitals', () => {
  assert.equal(DOCKER_SIGNALS.has('SIGterm'), false);
  assert.equal(DOCKER_SIGNALS.has('TERM'), false);
});

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.equal(result.ok, false);
  return result.ok ? [] : result.problems.map(formatProblem);
}

test('stop_signal must be SIG and capitals, digits, + or - to the end', () => {
  const at = (signal: string) => problems(`defaults:\n  stop_signal: "${signal}"\n`);
  const shape = ['drowse.yaml:2:16: defaults.stop_signal: expected a signal name like SIGTERM'];
  assert.deepEqual(at('xSIGTERM'), shape);
  assert.deepEqual(at('SIGTERMx'), shape);
  assert.deepEqual(at('SIG'), shape);
  assert.deepEqual(at('SIG TERM'), shape);
  assert.deepEqual(at('sigterm'), shape);
  assert.deepEqual(at('SIGRTMIN+99'), [`drowse.yaml:2:16: defaults.stop_signal: unknown signal "SIGRTMIN+99"; ${HINT}`]);
});

test('a stop_signal that is not a string gets the same words', () => {
  assert.deepEqual(problems('defaults:\n  stop_signal: 15\n'), ['drowse.yaml:2:16: defaults.stop_signal: expected a signal name like SIGTERM']);
  assert.deepEqual(problems('services:\n  a: { docker: { container: a }, stop_signal: [SIGTERM] }\n'), ['drowse.yaml:2:47: services.a.stop_signal: expected a signal name like SIGTERM']);
});

test('a known stop_signal resolves into the service', () => {
  const result = parseConfig('defaults:\n  stop_signal: SIGRTMAX-14\nservices:\n  a: { docker: { container: a } }\n  b: { docker: { container: b }, stop_signal: SIGQUIT }\n', 'drowse.yaml', {});
  assert.ok(result.ok);
  assert.deepEqual(result.config.services.map((s) => s.stopSignal), ['SIGRTMAX-14', 'SIGQUIT']);
});
