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
