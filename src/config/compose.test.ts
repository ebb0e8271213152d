import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependsOnFromLabels, parseComposeDependsOn } from './compose.ts';

const cases: Array<[string, string | undefined, string[]]> = [
  ['Compose v2 with conditions and restart flags', 'db:service_healthy:true,cache:service_started:false', ['db', 'cache']],
  ['Compose v2 with one dependency', 'postgres:service_started:false', ['postgres']],
  ['a completed-successfully condition', 'migrate:service_completed_successfully:false,db:service_healthy:false', ['migrate', 'db']],
  ['older Compose: names only', 'db,cache', ['db', 'cache']],
  ['spaces and empty entries', ' db:service_started:false , ,cache ', ['db', 'cache']],
  ['duplicates', 'db:service_started:false,db:service_healthy:true', ['db']],
  ['an empty label', '', []],
  ['no label', undefined, []],
];
for (const [what, label, want] of cases) {
  test(`compose depends_on label: ${what}`, () => assert.deepEqual(parseComposeDependsOn(label), want));
}

test('drowse.depends_on wins over the Compose label; without it the Compose label is honoured', () => {
  const compose = { 'com.docker.compose.depends_on': 'db:service_started:false' };
  assert.deepEqual(dependsOnFromLabels(compose), ['db']);
  assert.deepEqual(dependsOnFromLabels({ ...compose, 'drowse.depends_on': 'cache, queue' }), ['cache', 'queue']);
  assert.deepEqual(dependsOnFromLabels({ ...compose, 'drowse.depends_on': '' }), [], 'an empty drowse label opts out');
});
