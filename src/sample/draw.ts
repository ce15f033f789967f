/**
 * A reproducible random sample from a control's population (or its exceptions), as recorded in an evidence
 * bundle. The same bundle, control and seed give the same items on any machine:
 * - the population is put in a canonical order (by resource, account, region, then the item's canonical
 *   JSON), independent of the order scopes answered in;
 * - the population hash is SHA-256 over that canonical list, so a re-performance can show it drew from the
 *   same population;
 * - the random numbers are SHA-256(seed ‖ population hash ‖ counter), read as unsigned 32-bit integers with
 *   rejection of the biased tail — no platform PRNG, no floating point;
 * - items are chosen by a partial Fisher–Yates shuffle of the indices and listed in population order.
 * The default seed is derived from the bundle's run id and the control id, so anyone re-running `sample`
 * on the bundle gets the same sample without being told a seed.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../util/canonical-json.js";

export interface PopulationEntry {
  resource: string;
  account: string;
  region: string;
  status: string;
  message: string | null;
  item: unknown;
}

export interface Sample {
  method: string;
  seed: string;
  populationHash: string;
  populationSize: number;
  /** 1-based positions in the canonical population order, ascending. */
  positions: number[];
  entries: PopulationEntry[];
}

export const SAMPLE_METHOD =
  "simple random sampling without replacement: partial Fisher-Yates over the canonical population order, random numbers SHA-256(seed|population hash|counter) as uint32 with rejection";

/** Population entries of a control result in JSON form (findings and items are parallel lists). */
export function populationOf(
  record: { findings: Omit<PopulationEntry, "item">[]; items: unknown[] },
  of: "population" | "exceptions",
): PopulationEntry[] {
  // An assertion over the whole population adds findings with no item; only per-item findings are sampled.
  const entries = record.findings.slice(0, record.items.length).map((f, i) => ({
    resource: f.resource,
    account: f.account,
    region: f.region,
    status: f.status,
    message: f.message ?? null,
    item: JSON.parse(JSON.stringify(record.items[i] ?? null)) as unknown,
  }));
  const chosen = of === "exceptions" ? entries.filter((e) => e.status === "fail") : entries;
  return chosen
    .map((e) => ({
      e,
      key: `${e.resource}\u0000${e.account}\u0000${e.region}\u0000${canonicalJson(e.item)}`,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.e);
}

export function populationHash(entries: PopulationEntry[]): string {
  return createHash("sha256").update(canonicalJson(entries)).digest("hex");
}

export function defaultSeed(runId: string, controlId: string): string {
  return createHash("sha256").update(`${runId}\u0000${controlId}`).digest("hex").slice(0, 16);
}

/** Draws `size` entries (all of them if size ≥ population). */
export function drawSample(entries: PopulationEntry[], size: number, seed: string): Sample {
  const hash = populationHash(entries);
  const n = entries.length;
  const k = Math.max(0, Math.min(size, n));
  const next = uint32Stream(`${seed}|${hash}`);
  const idx = entries.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + below(n - i, next);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const positions = idx.slice(0, k).sort((a, b) => a - b);
  return {
    method: SAMPLE_METHOD,
    seed,
    populationHash: hash,
    populationSize: n,
    positions: positions.map((p) => p + 1),
    entries: positions.map((p) => entries[p]!),
  };
}

/** A uniform integer in [0, bound) from the stream, rejecting the tail that would bias it. */
function below(bound: number, next: () => number): number {
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const x = next();
    if (x < limit) return x % bound;
  }
}

function uint32Stream(prefix: string): () => number {
  let counter = 0;
  let buf = Buffer.alloc(0);
  let off = 0;
  return () => {
    if (off + 4 > buf.length) {
      buf = createHash("sha256").update(`${prefix}|${counter++}`).digest();
      off = 0;
    }
    const v = buf.readUInt32BE(off);
    off += 4;
    return v;
  };
}
