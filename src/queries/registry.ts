/** The registry of query modules. Controls name a query by id; lint checks the id exists here. */
import type { QueryDef } from "../core/query.js";

// biome-ignore lint/suspicious/noExplicitAny: each query narrows the context to its provider's
type AnyQuery = QueryDef<any>;

const queries = new Map<string, AnyQuery>();

export function registerQuery(def: AnyQuery): void {
  if (queries.has(def.id)) throw new Error(`query ${def.id} registered twice`);
  queries.set(def.id, def);
}

export function getQuery(id: string): AnyQuery | undefined {
  return queries.get(id);
}

export function allQueries(): AnyQuery[] {
  return [...queries.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The queries `ids` name and every query they use, transitively (unknown ids are skipped). */
export function queryClosure(ids: Iterable<string>): AnyQuery[] {
  const out = new Map<string, AnyQuery>();
  const visit = (id: string) => {
    const q = queries.get(id);
    if (!q || out.has(id)) return;
    out.set(id, q);
    for (const dep of q.uses ?? []) visit(dep);
  };
  for (const id of ids) visit(id);
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The operations the queries `ids` (and the queries they use) declare for `provider`: the allow-list. */
export function declaredOperations(provider: string, ids: Iterable<string>): string[] {
  const ops = new Set<string>();
  for (const q of queryClosure(ids)) if (q.provider === provider) for (const c of q.calls) ops.add(c);
  return [...ops].sort();
}

/**
 * The other-provider queries that the queries `ids` (and those they use) declare in `links`. Their calls join
 * the linked provider's allow-list when that provider runs anyway (execute-run.ts); they never start one.
 */
export function linkedQueryIds(ids: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const q of queryClosure(ids)) for (const l of q.links ?? []) out.add(l);
  return [...out].sort();
}
