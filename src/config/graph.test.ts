import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph, findCycles } from './graph.ts';

const node = (name: string, dependsOn: string[] = [], wakeTimeoutMs = 1000) => ({ name, dependsOn, wakeTimeoutMs });

test('a diamond counts its shared dependency once in the wake budget', () => {
  const g = new DependencyGraph([node('top', ['left', 'right'], 100), node('left', ['base'], 10), node('right', ['base'], 20), node('base', [], 5)]);
  assert.equal(g.wakeBudgetMs('top'), 135);
  assert.equal(g.wakeBudgetMs('left'), 15);
  assert.equal(g.wakeBudgetMs('base'), 5);
  assert.deepEqual([...g.closureOf('top')].sort(), ['base', 'left', 'right']);
  assert.deepEqual([...g.dependentsOf('base')].sort(), ['left', 'right']);
  assert.deepEqual(g.dependenciesOf('top'), ['left', 'right']);
  assert.deepEqual(g.dependentsOf('top'), []);
});

test('every cycle is found once, whichever member it is entered at', () => {
  const edges = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d2']], ['d2', ['d']], ['e', ['a']]]);
  assert.deepEqual(findCycles(edges), [['a', 'b', 'c', 'a'], ['d', 'd2', 'd']]);
  assert.deepEqual(findCycles(new Map([['x', ['y']], ['y', []]])), []);
});
