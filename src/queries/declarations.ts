/**
 * The query declarations (id, provider, scope, fields, permissions, calls, params schema) without the query
 * code. Commands that only check or list (lint, controls list, queries, permissions) read these so they start
 * without loading any cloud SDK; `run` loads the real modules (src/queries/index.ts) and the registry.
 *
 * The data is generated from the registered modules by `npm run declarations` (also part of
 * `npm run catalogue`) into declarations.generated.ts; test/query-declarations.test.ts fails when it is stale.
 */
import type { QueryDeclaration, QueryDef } from "../core/query.js";
import type { Control } from "../core/types.js";
import { QUERY_DECLARATIONS } from "./declarations.generated.js";

const byId = new Map<string, QueryDeclaration>(QUERY_DECLARATIONS.map((q) => [q.id, q]));

export function declaredQuery(id: string): QueryDeclaration | undefined {
  return byId.get(id);
}

/** Every declared query, sorted by id. */
export function declaredQueries(): QueryDeclaration[] {
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The declarations of the queries a set of controls uses (for `permissions`). */
export function queriesUsedBy(controls: Control[]): QueryDeclaration[] {
  // The queries a control's query asks through `ctx.query` (`uses`, transitively) run too: their permissions
  // and calls are part of what the control needs.
  const ids = new Set<string>();
  const visit = (id: string) => {
    if (ids.has(id)) return;
    ids.add(id);
    for (const dep of byId.get(id)?.uses ?? []) visit(dep);
  };
  for (const c of controls) visit(c.query);
  return [...ids].map((id) => byId.get(id)).filter((q) => q !== undefined);
}

/** A query module's declaration: everything but its code, as plain JSON data. */
// biome-ignore lint/suspicious/noExplicitAny: each query narrows the context to its provider's
export function declarationOf(def: QueryDef<any>): QueryDeclaration {
  const { fetch: _fetch, ...declaration } = def;
  return JSON.parse(JSON.stringify(declaration)) as QueryDeclaration;
}
