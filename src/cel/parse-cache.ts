/**
 * One parse per expression text. The same expression is read by several steps — planned for evaluation
 * (expression.ts), walked for the fields it reads (engine/dependencies.ts, `assert` clauses twice), checked
 * by lint (check.ts) — and parsing is the slowest of them (≈ 0.3 s of a warm demo's CPU when each step
 * parsed on its own). Every reader only reads the AST (the planner builds its own closures from it), so one
 * parsed value is shared. A parse error is kept too and thrown again to each caller. Bounded: a process
 * that sees many distinct expressions (a long-lived test worker) starts over rather than growing.
 *
 * The first time a text is seen, its AST is taken from the build's record of the bundled controls'
 * expressions when it is there (parsed-store.ts: the same value the parser gives), and parsed otherwise.
 */
import { parse } from "@bufbuild/cel";
import { loadParsedStore } from "./parsed-store.js";

type Parsed = ReturnType<typeof parse>;

const cache = new Map<string, Parsed | { error: unknown }>();
const CACHE_SIZE = 2000;

/** The build's record, read on the first miss (null: looked for, none usable). */
let store: ReturnType<typeof loadParsedStore> | null | undefined;

/** `parse(source)`, once per source text; throws what `parse` threw, every time. */
export function parseCached(source: string): Parsed {
  let hit = cache.get(source);
  if (!hit) {
    if (store === undefined) store = loadParsedStore() ?? null;
    hit = store?.take(source) as Parsed | undefined;
    if (!hit) {
      try {
        hit = parse(source);
      } catch (error) {
        hit = { error };
      }
    }
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(source, hit);
  }
  if ("error" in hit) throw hit.error;
  return hit;
}

/** The texts seen so far that parsed (the build records their ASTs: make-checked-catalogue.ts). */
export function parsedSources(): string[] {
  return [...cache].filter(([, v]) => !("error" in v)).map(([k]) => k);
}

/** The parser itself, for the build's record (it compares a fresh parse with what it stores). */
export { parse as parseUncached };
