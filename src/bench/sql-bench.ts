/**
 * The `sql` part of `npm run bench`: an org run's bundle (every AWS control over N accounts × 17 regions,
 * signed with a throw-away key) queried with every saved query. Measures what an auditor waits for: opening
 * (verification of every file + view definitions) and each query, plus the bundle's size and peak RSS.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SAVED_QUERIES_DIR, savedQueries } from "../cli/commands/sql.js";
import type { RunOutcome } from "../engine/execute-run.js";
import { writeBundle } from "../evidence/write-bundle.js";
import { ephemeralSigner } from "../signing/local-key.js";
import { openSqlSession } from "../workbench/sql/run-sql.js";

export interface SqlBenchResult {
  accounts: number;
  files: number;
  bundleMb: number;
  rawCalls: number;
  writeSeconds: number;
  openSeconds: number;
  queries: { name: string; rows: number; seconds: number }[];
  peakRssMb: number;
}

function du(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const d = du(p);
      files += d.files;
      bytes += d.bytes;
    } else {
      files++;
      bytes += statSync(p).size;
    }
  }
  return { files, bytes };
}

export async function benchSql(
  outcome: RunOutcome,
  accounts: number,
  outDir: string,
): Promise<SqlBenchResult> {
  let t = performance.now();
  const written = await writeBundle(outcome, { outDir, signer: ephemeralSigner(), toolCommit: null });
  const writeSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const session = await openSqlSession([written.path]);
  const openSeconds = (performance.now() - t) / 1000;
  const queries: SqlBenchResult["queries"] = [];
  try {
    const raw = await session.query("SELECT count(*) FROM raw_call");
    for (const q of savedQueries()) {
      t = performance.now();
      const [r] = await session.query(readFileSync(join(SAVED_QUERIES_DIR, `${q.name}.sql`), "utf8"));
      queries.push({ name: q.name, rows: r!.rows.length, seconds: (performance.now() - t) / 1000 });
    }
    const size = du(written.path);
    return {
      accounts,
      files: size.files,
      bundleMb: size.bytes / 1024 / 1024,
      rawCalls: Number(raw[0]!.rows[0]![0]),
      writeSeconds,
      openSeconds,
      queries,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    session.close();
  }
}

export function sqlBenchTable(r: SqlBenchResult): string {
  const lines = [
    `\nsql over an org bundle: ${r.accounts} accounts, ${r.rawCalls} recorded calls, ${r.files} files, ${r.bundleMb.toFixed(0)} MB; ` +
      `written in ${r.writeSeconds.toFixed(1)} s; opened (verify + views) in ${r.openSeconds.toFixed(2)} s; peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
    "| saved query | rows | time |",
    "| --- | --- | --- |",
    ...r.queries.map((q) => `| ${q.name} | ${q.rows} | ${q.seconds.toFixed(2)} s |`),
  ];
  return `${lines.join("\n")}\n`;
}
