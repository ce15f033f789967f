/**
 * The last step of `npm run build` (node dist/controls/make-checked-catalogue.js): runs every per-file check
 * on the bundled control files — with no catalogue, so nothing is taken on trust — and records those that
 * pass, with the value of the demo's params file, for the start-up of later commands (checked-catalogue.ts
 * explains what the record may skip). Then records the ASTs of every CEL expression those checks parsed
 * (cel/parsed-store.ts).
 */
import { readFileSync, rmSync } from "node:fs";
import { parsedSources, parseUncached } from "../cel/parse-cache.js";
import { STORE_FILE as PARSED_STORE, writeParsedStore } from "../cel/parsed-store.js";
import { DEMO_PARAMS } from "../cli/commands/demo.js";
import { writeCheckedCatalogue } from "./checked-catalogue.js";
import { loadControls } from "./loader.js";
import { semanticProblems } from "./validate.js";
import { parseYamlUnrecorded } from "./yaml-source.js";

// The checks below parse with nothing recorded either: an earlier build's records are removed first.
const RECORD_FILE = new URL("./checked-catalogue.json", import.meta.url);
rmSync(RECORD_FILE, { force: true });
rmSync(PARSED_STORE, { force: true });

try {
  const loaded = loadControls(undefined, { catalogue: null });
  const perId = new Map<string, number>();
  for (const c of loaded.controls) perId.set(c.id, (perId.get(c.id) ?? 0) + 1);
  const passed = loaded.controls
    .filter((c) => perId.get(c.id) === 1)
    .filter((c) => semanticProblems(c, loaded.sources.get(c.id)).length === 0)
    .map((c) => ({ text: c.source.text, value: loaded.sources.get(c.id)?.value }));
  // The demo's params (read by every demo): kept when they parse with no problem, parsed in full here.
  const yaml = [DEMO_PARAMS].flatMap((file) => {
    const text = readFileSync(file, "utf8");
    const { source, problems } = parseYamlUnrecorded(file, text);
    return source && problems.length === 0 ? [{ text, value: source.value }] : [];
  });
  const recorded = writeCheckedCatalogue(passed, yaml);
  process.stdout.write(
    `checked catalogue: ${recorded} of ${loaded.controls.length} bundled controls pass every per-file check\n`,
  );
} catch (e) {
  // The record only saves time: without it every command checks every file, so the build goes on.
  rmSync(RECORD_FILE, { force: true });
  process.stdout.write(`checked catalogue: not made (${(e as Error).message}); every file will be checked\n`);
}

try {
  // Every expression of the bundled controls was parsed by the checks above (each where / expect / assert).
  const parsed = writeParsedStore(parsedSources(), parseUncached);
  process.stdout.write(`parsed CEL expressions recorded: ${parsed}\n`);
} catch (e) {
  // Also only time: without it every expression is parsed at run time.
  rmSync(PARSED_STORE, { force: true });
  process.stdout.write(`parsed CEL expressions: not recorded (${(e as Error).message})\n`);
}
