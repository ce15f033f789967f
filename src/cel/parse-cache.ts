/**
 * One parse per expression text. The same expression is read by several steps — planned for evaluation
 * (expression.ts), walked for the fields it reads (engine/dependencies.ts, `assert` clauses twice), checked
 * by lint (check.ts) — and parsing is the slowest of them (≈ 0.3 s of a warm demo's CPU when each step
 * parsed on its own). Every reader only reads the AST (the planner builds its own closures from it), so one
 * parsed value is shared. A parse error is kept too and thrown again to each caller. Bounded: a process
 * that sees many distinct expressions (a long-lived test worker) starts over rather than growing.
 */
import { parse } from "@bufbuild/cel";

type Parsed = ReturnType<typeof parse>;

const cache = new Map<string, Parsed | { error: unknown }>();
const CACHE_SIZE = 2000;

/** `parse(source)`, once per source text; throws what `parse` threw, every time. */
export function parseCached(source: string): Parsed {
  let hit = cache.get(source);
  if (!hit) {
    try {
      hit = parse(source);
    } catch (error) {
      hit = { error };
    }
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(source, hit);
  }
  if ("error" in hit) throw hit.error;
  return hit;
}
