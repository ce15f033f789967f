/**
 * The checked catalogue (src/controls/checked-catalogue.ts) may only skip checks whose outcome is known: a
 * recorded file loads to the same controls with nothing to check, an edited file is checked in full.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CheckedCatalogue, textDigest } from "../../src/controls/checked-catalogue.js";
import { loadControls } from "../../src/controls/loader.js";
import { semanticProblemsOf } from "../../src/controls/semantic-checks.js";
import { formatProblem } from "../../src/core/errors.js";
import { BUNDLED_CONTROLS_DIR, PACKAGE_ROOT } from "../../src/util/paths.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-checked-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A catalogue of these controls' texts, as the build makes it (values from a full parse). */
function catalogueOf(loaded: ReturnType<typeof loadControls>): CheckedCatalogue {
  const values = new Map(
    loaded.controls.map((c) => [textDigest(c.source.text), loaded.sources.get(c.id)?.value]),
  );
  return { valueOf: (d) => (values.has(d) ? structuredClone(values.get(d)) : undefined) };
}

describe("checked catalogue", () => {
  const full = loadControls([BUNDLED_CONTROLS_DIR], { catalogue: null });
  const catalogue = catalogueOf(full);

  it("a recorded file loads to the same control, needs no check, and still locates fields", async () => {
    const cached = loadControls([BUNDLED_CONTROLS_DIR], { catalogue });
    expect(cached.problems).toEqual([]);
    expect(cached.controls).toEqual(full.controls);
    expect(cached.checked.size).toBe(cached.controls.length);
    expect(await semanticProblemsOf(cached)).toEqual([]);
    const id = full.controls[0]!.id;
    expect(cached.sources.get(id)?.locate(["expect", 0, "that"])).toEqual(
      full.sources.get(id)?.locate(["expect", 0, "that"]),
    );
    expect(full.checked.size).toBe(0);
  });

  it("an edited file is checked in full, its problem found with its position", async () => {
    const shipped = join(BUNDLED_CONTROLS_DIR, "access", "aws-iam-access-keys-rotated.yaml");
    const text = readFileSync(shipped, "utf8").replace(
      "access_key_1_active == true",
      "access_key_1_active == 'true'",
    );
    mkdirSync(join(dir, "access"), { recursive: true });
    const file = join(dir, "access", "aws-iam-access-keys-rotated.yaml");
    writeFileSync(file, text);
    const loaded = loadControls([file], { catalogue });
    expect(loaded.checked.size).toBe(0);
    const problems = (await semanticProblemsOf(loaded)).map(formatProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/:\d+:\d+: where: cannot compare bool with string/);
  });

  it("in a test worker the loader trusts the record the build's checks make (test/support/checked-catalogue.ts)", async () => {
    // vitest.config.ts points the loader at it, so a test's run does not check the whole catalogue again.
    const byDefault = loadControls();
    expect(byDefault.problems).toEqual([]);
    expect(byDefault.checked.size).toBe(byDefault.controls.length);
    expect(byDefault.controls).toEqual(full.controls);
    // An edited copy is still checked in full, as in the built CLI.
    const shipped = join(BUNDLED_CONTROLS_DIR, "access", "aws-iam-access-keys-rotated.yaml");
    mkdirSync(join(dir, "worker", "access"), { recursive: true });
    const file = join(dir, "worker", "access", "aws-iam-access-keys-rotated.yaml");
    writeFileSync(
      file,
      readFileSync(shipped, "utf8").replace("access_key_1_active == true", "access_key_1_active == 1"),
    );
    const edited = loadControls([file]);
    expect(edited.checked.size).toBe(0);
    expect((await semanticProblemsOf(edited)).map(formatProblem)).toEqual([
      expect.stringMatching(/:\d+:\d+: where: cannot compare bool with int/),
    ]);
  });

  it("the build's record holds the demo's params: the same value and positions as a parse, and only for that text", () => {
    const built = join(PACKAGE_ROOT, "dist", "controls", "checked-catalogue.json");
    expect(existsSync(built), "npm run build makes dist/ before the tests (pretest)").toBe(true);
    // Through the built modules (the record is dist's), in a child process.
    const script = `
      import { readFileSync } from "node:fs";
      import { DEMO_PARAMS } from "./dist/cli/commands/demo.js";
      import { parseYaml, parseYamlUnrecorded } from "./dist/controls/yaml-source.js";
      import { knownYamlValue } from "./dist/controls/checked-catalogue.js";
      const text = readFileSync(DEMO_PARAMS, "utf8");
      const recorded = parseYaml(DEMO_PARAMS, text);
      const fresh = parseYamlUnrecorded(DEMO_PARAMS, text);
      const first = Object.keys(fresh.source.value)[0];
      process.stdout.write(JSON.stringify({
        known: knownYamlValue(text) !== undefined,
        edited: knownYamlValue(text + "# edited\\n") !== undefined,
        problems: recorded.problems,
        value: recorded.source.value,
        freshValue: fresh.source.value,
        at: recorded.source.locate([first], true),
        freshAt: fresh.source.locate([first], true),
      }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: PACKAGE_ROOT,
        encoding: "utf8",
      }),
    );
    expect(out.known).toBe(true);
    expect(out.edited).toBe(false);
    expect(out.problems).toEqual([]);
    expect(out.value).toEqual(out.freshValue);
    expect(Object.keys(out.value).length).toBeGreaterThan(0);
    expect(out.at).toEqual(out.freshAt);
    expect(out.at).toEqual({ line: expect.any(Number), column: expect.any(Number) });
  });
});
