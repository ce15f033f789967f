/**
 * Which command lines run with the organization heap growing factor (engine/heap-tuning.ts): decided once,
 * at the process's own entry (bin/itgc-validate.js → `main(argv, { processEntry: true })`), from the command
 * line alone, before any command runs. The setting is process-wide (a V8 flag), so it belongs to the process
 * and not to a command's action: an in-process `main()` (tests, a host embedding the CLI) never changes it.
 *
 * It pays only where the heap is large: the factor took org-50's peak from ≈ 890 to ≈ 560 MB, but on a
 * single-account replay it cost ≈ 11 % more CPU for nothing (docs/performance.md, "Round 7"). So: `run` over
 * an organization (`--org`), over many accounts (`--accounts` with at least ORGANIZATION_MIN_ACCOUNTS), or
 * replaying recordings that hold at least that many accounts / projects / repositories between them (the
 * directories under each recording's raw/, a bundle's data/raw/: one readdir each). A replayed `.tar.gz`
 * is read into memory whole before it is replayed, so it keeps the factor (its size is not known without
 * reading it). `demo` and every other command keep V8's default.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { tuneHeapForRun } from "../engine/heap-tuning.js";

/**
 * From this many accounts (or GCP projects, GitHub repositories) a run is an organization run. The demo's
 * recordings hold 16 between them; at ≈ 2–5 MB of heap an account, below 20 the heap stays near its
 * start-up size, where the factor only costs CPU.
 */
export const ORGANIZATION_MIN_ACCOUNTS = 20;

/** The values of `--name` on a command line (`--name v` and `--name=v`, repeatable). */
function optionValues(argv: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a === name && i + 1 < argv.length) values.push(argv[++i]!);
    else if (a.startsWith(`${name}=`)) values.push(a.slice(name.length + 1));
  }
  return values;
}

/** Accounts / projects / repositories a recording directory holds (its raw/ or data/raw/ subdirectories). */
export function scopesInRecording(dir: string): number {
  for (const raw of [join(dir, "data", "raw"), join(dir, "raw")]) {
    try {
      return readdirSync(raw, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
    } catch {
      // not this layout (or not readable: the run itself will say so)
    }
  }
  return 0;
}

/** Whether this command line is a run over an organization (see the module comment). */
export function isOrganizationCommandLine(
  argv: string[],
  countScopes: (dir: string) => number = scopesInRecording,
): boolean {
  const command = argv.find((a) => !a.startsWith("-"));
  if (command !== "run") return false;
  const rest = argv.slice(argv.indexOf(command) + 1);
  if (rest.includes("--org")) return true;
  const accounts = optionValues(rest, "--accounts").flatMap((v) => v.split(",").filter(Boolean));
  if (accounts.length >= ORGANIZATION_MIN_ACCOUNTS) return true;
  const replays = optionValues(rest, "--replay");
  if (replays.some((p) => /\.(tar\.gz|tgz)$/.test(p))) return true;
  let scopes = 0;
  for (const dir of replays) scopes += countScopes(dir);
  return scopes >= ORGANIZATION_MIN_ACCOUNTS;
}

/**
 * Applies the heap growing factor this command line asks for (`ITGC_HEAP_GROWING_PERCENT` overrides it);
 * returns the percent applied, or undefined when V8's default is kept. Throws InputError for a bad override.
 */
export function tuneHeapForCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  setFlags?: (flags: string) => void,
  countScopes?: (dir: string) => number,
): number | undefined {
  // The override alone decides when it is set: no need to look at recordings.
  const overridden =
    env.ITGC_HEAP_GROWING_PERCENT !== undefined && env.ITGC_HEAP_GROWING_PERCENT.trim() !== "";
  const organization = !overridden && isOrganizationCommandLine(argv, countScopes);
  return tuneHeapForRun({ organization }, env, setFlags);
}
