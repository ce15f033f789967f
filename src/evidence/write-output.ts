/**
 * Writes a run's output directory: results.json, run.json and every raw API call, under
 * DIR/itgc-<provider>-<unit>-<UTC time>-<run id>/data/. The directory is built under a temporary name and
 * renamed when complete, so nothing half-written is ever left where a finished output is expected.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunOutcome } from "../engine/execute-run.js";
import { safeName } from "../recording/format.js";
import { writeRecordedCalls } from "../recording/store.js";

export function bundleName(outcome: RunOutcome): string {
  const run = outcome.document.run;
  const providers = run.providers.map((p) => p.provider).join("+") || "none";
  const units = run.providers.flatMap((p) => p.targets.map((t) => t.unit));
  const scope = units.length === 1 ? units[0]! : `${units.length}-units`;
  const time = run.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return safeName(`itgc-${providers}-${scope}-${time}-${run.id.slice(0, 8)}`);
}

/** Writes the output and returns the finished directory's path. */
export function writeRunOutput(outDir: string, outcome: RunOutcome): string {
  const name = bundleName(outcome);
  const final = join(outDir, name);
  const partial = join(outDir, `.partial-${name}`);
  mkdirSync(partial, { recursive: true });
  try {
    const data = join(partial, "data");
    mkdirSync(join(data, "results"), { recursive: true });
    writeRecordedCalls(data, outcome.calls);
    writeFileSync(join(data, "run.json"), `${JSON.stringify(runMeta(outcome), null, 2)}\n`);
    writeFileSync(join(data, "results.json"), `${JSON.stringify(outcome.document, null, 2)}\n`);
    for (const r of outcome.results) {
      writeFileSync(join(data, "results", `${safeName(r.id)}.json`), `${JSON.stringify(r, null, 2)}\n`);
    }
    renameSync(partial, final);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  return final;
}

/** run.json doubles as the recording's metadata: replay reads evaluatedAt and homeRegion from it. */
function runMeta(outcome: RunOutcome) {
  const run = outcome.document.run;
  const aws = run.providers.find((p) => p.provider === "aws");
  return { ...run, homeRegion: aws?.homeRegion };
}
