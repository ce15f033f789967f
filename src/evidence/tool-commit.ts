/**
 * The git commit of the tool's own checkout, when it runs from one (recorded in the bundle's run metadata and
 * bag-info.txt): `git rev-parse HEAD` in the package's directory, so worktrees, packed refs and a detached
 * HEAD are git's own answer. Not a git checkout, no git, or anything else than a 40-hex answer: none.
 *
 * Two forms, the same answer: the CLI starts `detectToolCommitSoon` before the run (cli/options/evidence.ts),
 * so git runs in a child process while the run does (≈ 5–50 ms of a `spawnSync` the main thread used to wait
 * for as the bundle was written); an in-process writeBundle without one asks synchronously.
 */
import { execFile, spawnSync } from "node:child_process";
import { PACKAGE_ROOT } from "../util/paths.js";

const ARGS = ["-C", PACKAGE_ROOT, "rev-parse", "HEAD"];
const TIMEOUT_MS = 5000;

const commitOf = (status: number | null, stdout: string): string | undefined => {
  const sha = status === 0 ? stdout.trim() : "";
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
};

/** The commit, asked synchronously. */
export function detectToolCommit(): string | undefined {
  try {
    const r = spawnSync("git", ARGS, { encoding: "utf8", timeout: TIMEOUT_MS });
    return commitOf(r.status, r.stdout ?? "");
  } catch {
    return undefined;
  }
}

/** The commit, from a git started now in a child process (never rejects). */
export function detectToolCommitSoon(): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile("git", ARGS, { encoding: "utf8", timeout: TIMEOUT_MS }, (error, stdout) =>
        resolve(error ? undefined : commitOf(0, stdout)),
      );
    } catch {
      resolve(undefined);
    }
  });
}
