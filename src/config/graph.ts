/**
 * The dependency graph of services (`depends_on`), in one place: the config checks it for cycles,
 * and the running daemon reads wake budgets, dependencies and dependents from it. Names are
 * assumed valid here; the config reports unknown and self references before a graph is built.
 */

/** What the graph needs of a service. */
export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly wakeTimeoutMs: number;
}

/** Every cycle in `edges` (name → names it depends on), each once, starting at its first member in insertion order. */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of edges.get(name) ?? []) {
      if (state.get(dep) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        // The same cycle entered at another member is the same cycle.
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          cycles.push(cycle);
        }
      } else if (state.get(dep) === undefined) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of edges.keys()) if (state.get(name) === undefined) visit(name);
  return cycles;
}

/** The services and what each needs, with the derived facts the daemon uses. */
export class DependencyGraph {
  private readonly byName: ReadonlyMap<string, GraphNode>;
  private readonly dependents = new Map<string, string[]>();

  constructor(nodes: readonly GraphNode[]) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    for (const n of nodes) for (const d of n.dependsOn) this.dependents.set(d, [...(this.dependents.get(d) ?? []), n.name]);
  }

  /** What `name` needs directly. */
  dependenciesOf(name: string): readonly string[] {
    return this.byName.get(name)?.dependsOn ?? [];
  }

  /** What needs `name` directly. */
  dependentsOf(name: string): readonly string[] {
    return this.dependents.get(name) ?? [];
  }

  /** Everything `name` needs, directly or not, each once. */
  closureOf(name: string): Set<string> {
    const seen = new Set<string>();
    const walk = (names: readonly string[]): void => {
      for (const n of names) {
        if (seen.has(n)) continue;
        seen.add(n);
        walk(this.dependenciesOf(n));
      }
    };
    walk(this.dependenciesOf(name));
    return seen;
  }

  /**
   * How long a wake of `name` may take: its own wake_timeout plus that of every service it needs,
   * directly or not (each counted once), since those wake first.
   */
  wakeBudgetMs(name: string): number {
    const own = this.byName.get(name)?.wakeTimeoutMs ?? 0;
    return [...this.closureOf(name)].reduce((sum, n) => sum + (this.byName.get(n)?.wakeTimeoutMs ?? 0), own);
  }
}
