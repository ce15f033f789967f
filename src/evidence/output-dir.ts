/**
 * The output directory of a run, checked before any API call: an unusable `--out` must fail in a second
 * with exit 2, not after an hour of calls (an existing file), nor hang (Node's recursive mkdir spins
 * forever on some paths, e.g. under /proc, so directories are created one level at a time here).
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.js";

/** Creates `dir` (and missing parents) and checks that files can be written in it. Throws InputError. */
export function ensureOutputDir(dir: string, flag = "--out"): string {
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
  for (const d of missing) {
    try {
      mkdirSync(d);
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
  return abs;
}
