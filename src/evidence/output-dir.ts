/**
 * The output directory of a run, checked before any API call: an unusable `--out` must fail in a second
 * with exit 2, not after an hour of calls (an existing file), nor hang (Node's recursive mkdir spins
 * forever on some paths, e.g. under /proc, so directories are created one level at a time here).
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.js";

/** Creates `dir` (and missing parents) and checks that files can be written in it. Throws InputError. */
export function ensureOutputDir(dir: string, flag = "--out"): string {
  return prepareOutputDir(dir, flag).path;
}

export interface PreparedOutputDir {
  path: string;
  /**
   * Removes the directories this check created, deepest first, as long as they are still empty: a run
   * that stops on a usage error after the check (a bad --period, an unreadable params file) leaves no
   * empty `evidence/` behind. Never removes a directory that existed before or that holds anything.
   */
  removeIfUnused(): void;
}

/** `ensureOutputDir`, remembering which directories it created. */
export function prepareOutputDir(dir: string, flag = "--out"): PreparedOutputDir {
  const abs = resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const parent = dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  const fail = (message: string): never => {
    throw new InputError({ field: flag, message: `${dir}: ${message}` });
  };
  if (existsSync(cur) && !statSync(cur).isDirectory())
    fail(cur === abs ? "exists and is not a directory" : `${cur} is not a directory`);
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statSync(d).isDirectory()) continue;
      fail(`cannot create ${d} (${code ?? (e as Error).message})`);
    }
  }
  try {
    accessSync(abs, constants.W_OK);
    const probe = join(abs, `.itgc-write-check-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (e) {
    fail(`cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return {
    path: abs,
    removeIfUnused() {
      for (const d of [...created].reverse()) {
        try {
          if (readdirSync(d).length > 0) return;
          rmdirSync(d);
        } catch {
          return;
        }
      }
    },
  };
}
