import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { MAX_NESTING } from './input.ts';
import type { ConfigProblem } from './problems.ts';

/**
 * Problems in the shape of the YAML tree that the parser lets through or checks too slowly:
 * duplicate keys (the yaml library compares each key with every earlier one, quadratic in a map of
 * 10,000 services, so drowse turns that off and looks keys up in a Set), keys that are lists or
 * maps, and nesting deeper than MAX_NESTING. One walk, linear in the document.
 */
export function structureProblems(doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (node: Node | null | undefined) => lines.linePos(node?.range?.[0] ?? 0);
  // An explicit stack, so a deep document cannot overflow this walk either.
  const stack: Array<{ node: Node; path: string[]; depth: number }> = doc.contents ? [{ node: doc.contents, path: [], depth: 1 }] : [];
  let tooDeep = false;
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop() as (typeof stack)[number];
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_NESTING) {
      if (!tooDeep) problems.push({ file, ...at(node), path: '', message: `the config nests deeper than ${MAX_NESTING} levels` });
      tooDeep = true;
      continue;
    }
    const children: Array<{ node: Node; path: string[]; depth: number }> = [];
    if (isSeq(node)) {
      node.items.forEach((item, index) => children.push({ node: item as Node, path: [...path, String(index)], depth: depth + 1 }));
    } else {
      const first = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key)) {
          problems.push({ file, ...at(key), path: path.join('.'), message: 'a key must be a name, not a list or map' });
          continue;
        }
        const value = key?.value;
        // Merge keys (<<, a symbol once parsed with merge on) may repeat, as the yaml library's own
        // check allows; every other key becomes a property, so keys that read alike (1 and "1")
        // would overwrite each other.
        const merge = typeof value === 'symbol';
        const name = merge ? '<<' : String(value);
        if (key && !merge && typeof value !== 'object') {
          const earlier = first.get(name);
          if (earlier) problems.push({ file, ...at(key), path: [...path, name].join('.'), message: `duplicate key "${name}" (first at line ${at(earlier).line})` });
          else first.set(name, key);
        }
        if (pair.value) children.push({ node: pair.value as Node, path: [...path, name], depth: depth + 1 });
      }
    }
    // Reversed onto the stack so problems come out in file order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as (typeof children)[number]);
  }
  return problems;
}
