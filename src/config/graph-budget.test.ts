/** The dependency graph's derived facts (graph.ts): dependents, closures, wake budgets and cycles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph, findCycles } from './graph.ts';

const node = (name: string, dependsOn: string[], wakeTimeoutMs = 1000) => ({ name, dependsOn, wakeTimeoutMs });

test('a service with no dependencies has its own wake_timeout as its budget', () => {
  const graph = new DependencyGraph([node('a', [], 7000)]);
  assert.equal(graph.wakeBudgetMs('a'), 7000);
  assert.deepEqual(graph.dependenciesOf('a'), []);
  assert.deepEqual(graph.dependentsOf('a'), []);
  assert.deepEqual([...graph.closureOf('a')], []);
});

test('an unknown name has no dependencies, no dependents and no budget', () => {
  const graph = new DependencyGraph([node('a', ['b'])]);
  assert.deepEqual(graph.dependenciesOf('nope'), []);
  assert.deepEqual(graph.dependentsOf('nope'), []);
  assert.equal(graph.wakeBudgetMs('nope'), 0);
});

test('a chain adds every wake_timeout below it, and each service knows what needs it', () => {
  const graph = new DependencyGraph([node('app', ['api'], 1), node('api', ['db'], 10), node('db', [], 100), node('web', ['api'], 1000)]);
  assert.equal(graph.wakeBudgetMs('app'), 111);
  assert.equal(graph.wakeBudgetMs('api'), 110);
  assert.equal(graph.wakeBudgetMs('db'), 100);
  assert.deepEqual([...graph.closureOf('app')], ['api', 'db']);
  assert.deepEqual(graph.dependenciesOf('api'), ['db']);
  assert.deepEqual(graph.dependentsOf('api'), ['app', 'web']);
  assert.deepEqual(graph.dependentsOf('db'), ['api']);
  assert.deepEqual(graph.dependentsOf('app'), []);
});

test('a dependency that is not in the graph counts nothing towards the budget', () => {
  const graph = new DependencyGraph([node('a', ['ghost'], 5)]);
  assert.equal(graph.wakeBudgetMs('a'), 5);
  assert.deepEqual([...graph.closureOf('a')], ['ghost']);
});

test('a closure through a cycle ends, with each member once', () => {
  // The config refuses cycles; the walk must still end on one.
  const graph = new DependencyGraph([node('a', ['b'], 1), node('b', ['c', 'a'], 10), node('c', ['b'], 100)]);
  assert.deepEqual([...graph.closureOf('a')], ['b', 'c', 'a']);
});

test('no edges, no cycles; a line is no cycle', () => {
  assert.deepEqual(findCycles(new Map()), []);
  assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
  assert.deepEqual(findCycles(new Map([['a', ['c']], ['b', ['c']], ['c', []]])), []);
});

test('a service depending on itself is a cycle of one', () => {
  assert.deepEqual(findCycles(new Map([['a', ['a']]])), [['a', 'a']]);
});

test('a cycle reached from outside it starts at its first member on the way in', () => {
  assert.deepEqual(findCycles(new Map([['x', ['a']], ['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c', 'a']]);
});

test('the same dependency listed twice closes its cycle once', () => {
  assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['a', 'a']]])), [['a', 'b', 'a']]);
});

test('separate cycles are each reported, in insertion order', () => {
  const edges = new Map([['a', ['b']], ['b', ['a']], ['c', ['d']], ['d', ['c']], ['e', ['a', 'c']]]);
  assert.deepEqual(findCycles(edges), [['a', 'b', 'a'], ['c', 'd', 'c']]);
});

test('a node reached again after its cycle was found is not walked twice', () => {
  const edges = new Map([['a', ['b', 'c']], ['b', ['c']], ['c', ['a']]]);
  assert.deepEqual(findCycles(edges), [['a', 'b', 'c', 'a']]);
});

test('a name with no entry of its own is a leaf', () => {
  assert.deepEqual(findCycles(new Map([['a', ['ghost']]])), []);
});
