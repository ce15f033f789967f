/**
 * `diff OLD NEW` on two bundles built from the demo recording: in NEW one control was fixed (the legacy trail
 * now validates its log files) and one new exception was added (alice.admin lost her MFA device); the
 * diff names exactly those, through the real CLI, and refuses a tampered bundle.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_RECORDING } from "../../src/cli/commands/demo.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import type { RecordedCall } from "../../src/recording/format.js";
import { type LoadedRecording, loadRecordings } from "../../src/recording/store.js";
import { type DiffReport, diffBundles, diffExitCode } from "../../src/workbench/diff.js";
import { openBundle } from "../../src/workbench/open-bundle.js";
import { testSigner } from "../evidence/support.js";
import { cli } from "../support/cli.js";

const CONTROLS = [
  "logging.aws-cloudtrail-log-file-validation",
  "access.aws-iam-console-mfa",
  "access.aws-iam-access-keys-rotated",
];

/** The demo recording with the two changes, made in the recorded API answers themselves. */
function changed(rec: LoadedRecording): LoadedRecording {
  const calls = rec.calls.map((c): RecordedCall => {
    if (c.operation === "DescribeTrails") {
      const out = structuredClone(c.output) as {
        trailList: { Name: string; LogFileValidationEnabled: boolean }[];
      };
      for (const t of out.trailList) if (t.Name === "legacy-eu-trail") t.LogFileValidationEnabled = true;
      return { ...c, output: out };
    }
    if (c.operation === "GetCredentialReport") {
      const out = structuredClone(c.output) as { Content: string };
      const csv = Buffer.from(out.Content, "base64").toString("utf8");
      const lines = csv.split("\n").map((l) => {
        if (!l.startsWith("alice.admin,")) return l;
        const cells = l.split(",");
        cells[7] = "false"; // mfa_active
        return cells.join(",");
      });
      out.Content = Buffer.from(lines.join("\n"), "utf8").toString("base64");
      return { ...c, output: out };
    }
    return c;
  });
  return { ...rec, calls };
}

describe("itgc-validate diff", () => {
  let dir: string;
  let oldPath: string;
  let newPath: string;
  let report: DiffReport;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "itgc-diff-"));
    const rec = loadRecordings([DEMO_RECORDING]);
    const write = async (recording: LoadedRecording, sub: string) => {
      const outcome = await executeRun({ filter: { control: CONTROLS }, recording });
      return (await writeBundle(outcome, { outDir: join(dir, sub), signer: testSigner(), toolCommit: null }))
        .path;
    };
    oldPath = await write(rec, "old");
    newPath = await write(changed(rec), "new");
    report = diffBundles(openBundle(oldPath).model, openBundle(newPath).model);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names exactly the fixed control and the new exception", () => {
    expect(report.newExceptions.map((f) => [f.control, f.resource])).toEqual([
      ["access.aws-iam-console-mfa", "arn:aws:iam::111122223333:user/alice.admin"],
    ]);
    expect(report.resolved.map((f) => [f.control, f.resource])).toEqual([
      [
        "logging.aws-cloudtrail-log-file-validation",
        "arn:aws:cloudtrail:eu-west-1:111122223333:trail/legacy-eu-trail",
      ],
    ]);
    expect(report.statusChanges).toEqual([
      expect.objectContaining({
        control: "logging.aws-cloudtrail-log-file-validation",
        old: "fail",
        new: "pass",
      }),
    ]);
    expect(report.stillOpen.map((f) => f.resource)).toEqual(
      expect.arrayContaining([
        "arn:aws:iam::111122223333:user/bob.dev",
        "arn:aws:iam::111122223333:user/heidi.finance",
      ]),
    );
    expect(report.newErrors).toEqual([]);
    expect(report.scope).toEqual([]);
    expect(report.scopeShrank).toBe(false);
  });

  it("flags a scope that shrank", () => {
    const a = openBundle(oldPath, { allowUnverified: true }).model;
    const b = structuredClone(openBundle(newPath, { allowUnverified: true }).model);
    b.run.scope.covered = b.run.scope.covered.map((c) => ({
      ...c,
      regions: c.regions.filter((r) => r !== "eu-west-1"),
    }));
    const d = diffBundles(a, b);
    expect(d.scopeShrank).toBe(true);
    expect(d.scope).toEqual([
      { provider: "aws", unit: "111122223333", regions: ["eu-west-1"], change: "missing" },
    ]);
  });

  it("through the real CLI: table and JSON outputs, exit 1 for the new exception; a tampered bundle is refused", () => {
    const t = cli(["diff", oldPath, newPath]);
    expect(t.stderr).toBe("");
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(
      /New exceptions \(1\)\n {2}\+ access\.aws-iam-console-mfa: arn:aws:iam::111122223333:user\/alice\.admin/,
    );
    expect(t.stdout).toMatch(/logging\.aws-cloudtrail-log-file-validation: fail → pass/);
    const o = openBundle(oldPath).model;
    expect(diffExitCode(diffBundles(o, o))).toBe(0);
    appendFileSync(join(newPath, "data", "run.json"), " ");
    const bad = cli(["diff", oldPath, newPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not verify/);
    const forced = cli(["diff", oldPath, newPath, "--unverified", "--format", "json"]);
    expect(JSON.parse(forced.stdout)).toMatchObject({ unverified: expect.stringMatching(/^UNVERIFIED: /) });
    expect(JSON.parse(forced.stdout).newExceptions).toHaveLength(1);
  });
});
