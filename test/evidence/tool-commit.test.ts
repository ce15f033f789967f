/**
 * evidence/tool-commit.ts: the commit asked of git in a child process (what the CLI records) is the one the
 * synchronous form gives, which is `git rev-parse HEAD` of the package's checkout.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { detectToolCommit, detectToolCommitSoon } from "../../src/evidence/tool-commit.js";
import { PACKAGE_ROOT } from "../../src/util/paths.js";

describe("the tool's commit", () => {
  it("is git's HEAD of the package's checkout, the same asked either way", async () => {
    const git = spawnSync("git", ["-C", PACKAGE_ROOT, "rev-parse", "HEAD"], { encoding: "utf8" });
    const expected = git.status === 0 ? git.stdout.trim() : undefined;
    expect(detectToolCommit()).toBe(expected);
    await expect(detectToolCommitSoon()).resolves.toBe(expected);
  });
});
