import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { formatProblem, type ConfigProblem } from './problems.ts';

/** A path into the config value: map keys and array indices. */
export type Path = readonly (string | number)[];

/** A problem found before it has a position: what is wrong, and where in the value tree. */
export interface Finding {
  readonly path: Path;
  readonly message: string;
  /** Point at the key itself rather than its value (unknown keys, bad names, a whole entry). */
  readonly at?: 'key' | 'value';
}

/** Turns findings into problems with the line and column of the YAML node they are about. */
export interface Locator {
  problem(finding: Finding): ConfigProblem;
  /** "FILE:LINE:COL: path: message" for a warning about a place in the file. */
  warning(finding: Finding): string;
}

/** A locator over one parsed document. */
export function createLocator(doc: Document, lines: LineCounter, file: string): Locator {
  const position = (node: Node | null | undefined): { line: number; col: number } => {
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
  };

  // Each map's keys indexed once, on first use, so locating every problem of a 10,000-service file stays linear.
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, segment: string | number): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair);
      indexes.set(map, index);
    }
    return index.get(String(segment));
  };

  // Walks as far down the path as the document goes: a missing key is reported where its
  // parent is introduced, which is where the user has to add it.
  const locate = (path: Path, at: 'key' | 'value'): { line: number; col: number } => {
    let node: Node | null = doc.contents;
    let key: Node | null = null;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc) ?? null;
      let next: Node | null | undefined;
      if (isMap(node)) {
        const pair = pairOf(node, segment);
        next = pair ? (pair.value as Node | null) : undefined;
        if (pair) key = pair.key as Node;
      } else if (isSeq(node)) {
        next = node.items[Number(segment)] as Node | undefined;
        key = next ?? key;
      }
      if (next === undefined) return position(key ?? node);
      node = next;
    }
    if (at === 'key' && key) return position(key);
    const empty = node === null || (isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]);
    return position(empty ? key : node);
  };

  const problem = (finding: Finding): ConfigProblem => ({
    file,
    ...locate(finding.path, finding.at ?? 'value'),
    path: finding.path.join('.'),
    message: finding.message,
  });

  return {
    problem,
    warning: (finding) => formatProblem(problem(finding)),
  };
}
