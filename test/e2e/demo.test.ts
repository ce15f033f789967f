import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, cli, cliInProcess, ROOT } from "../support/cli.js";

/** Every run writes an evidence bundle: keep them (and any signing key) out of the working tree. */
const tmpOut = () => mkdtempSync(join(tmpdir(), "itgc-bundles-"));

/**
 * `demo --json --out <dir>`, spawned once and shared by the tests that read its document and its bundle
 * (the command is the same; each test checks a different part of what it produced). The other scenarios
 * spawn the CLI once each where the process is the point, and run the entry point in process otherwise.
 */
let demoJsonRun: { r: CliResult; out: string } | undefined;
function demoJson() {
  if (!demoJsonRun) {
    const out = mkdtempSync(join(tmpdir(), "itgc-out-"));
    demoJsonRun = { r: cli(["demo", "--json", "--out", out]), out };
  }
  return demoJsonRun;
}

describe("itgc-validate demo (real CLI on the bundled recording)", () => {
  it("prints per-control results and exits 3 (failures and an AccessDenied)", async () => {
    // In process: the spawned `demo --json` below (and cli-conventions.test.ts) covers the process side of
    // the command (exit status, what reaches stdout / stderr); this checks what the text output says.
    const r = await cliInProcess(["demo", "--out", tmpOut()]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/FAIL\s+access\.aws-iam-console-mfa/);
    expect(r.stdout).toMatch(/ERROR\s+access\.aws-iam-password-policy/);
    expect(r.stdout).toContain("bob.dev can sign in to the console without MFA");
    expect(r.stdout).toMatch(/Summary: \d+ controls/);
    // The audit period of the event controls, and some of them failing and passing over it.
    expect(r.stdout).toContain(
      "Audit period: 2026-08-22T09:00:00.000Z .. 2026-11-20T09:00:00.000Z (90 days; default: the last 90 days; set --period to choose)",
    );
    expect(r.stdout).toMatch(/FAIL\s+change-management\.aws-change-population-authorised/);
    expect(r.stdout).toMatch(/PASS\s+change-management\.gcp-org-policy-changes-approved/);
  });

  it("--json prints only the documented results document", () => {
    const { r } = demoJson();
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe("itgc-validate/results@1");
    expect(doc.run.mode).toBe("replay");
    expect(doc.run.providers[0].caller.account).toBe("111122223333");
    const byId = Object.fromEntries(doc.controls.map((c: { id: string }) => [c.id, c]));
    const denied = byId["access.aws-iam-password-policy"];
    expect(denied.status).toBe("error");
    expect(denied.reason).toMatch(/AccessDenied/);
    const mfa = byId["access.aws-iam-console-mfa"];
    expect(mfa).toMatchObject({ status: "fail", provider: "aws", domain: "access", severity: "high" });
    const flagged = mfa.findings
      .filter((f: { status: string }) => f.status === "fail")
      .map((f: { resource: string }) => f.resource);
    expect(flagged.sort()).toEqual([
      "arn:aws:iam::111122223333:user/bob.dev",
      "arn:aws:iam::111122223333:user/heidi.finance",
    ]);
    for (const f of mfa.findings)
      expect(Object.keys(f).sort()).toEqual(["account", "message", "region", "resource", "status"]);
  });

  it("--out writes a signed evidence bundle that verifies, replays and re-performs to the same verdicts", async () => {
    const { r, out } = demoJson();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/throw-away key/);
    const [dir] = readdirSync(out);
    expect(dir).toMatch(/^itgc-[a-z_+]+-[A-Za-z0-9._-]+-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    const bundle = join(out, dir!);
    for (const f of [
      "bagit.txt",
      "bag-info.txt",
      "manifest-sha256.txt",
      "tagmanifest-sha256.txt",
      "VERIFY.md",
    ])
      expect(readdirSync(bundle)).toContain(f);
    const data = join(bundle, "data");
    const results = JSON.parse(readFileSync(join(data, "results.json"), "utf8"));
    expect(results.run.stats.apiCalls).toBeGreaterThan(10);
    const runJson = JSON.parse(readFileSync(join(data, "run.json"), "utf8"));
    expect(runJson.period).toEqual({
      start: "2026-08-22T09:00:00.000Z",
      end: "2026-11-20T09:00:00.000Z",
      spec: "last-90d",
      source: "default",
    });
    expect(readFileSync(join(data, "report.html"), "utf8")).toContain("Audit period");
    expect(readdirSync(join(data, "raw")).length).toBeGreaterThan(0);
    expect((await cliInProcess(["verify", bundle])).code).toBe(0);
    // The demo's params are its auditor's (the leavers CSV): a replay with the same inputs gives the same verdicts.
    expect(runJson.params.sources.map((x: { path: string }) => x.path)).toEqual([
      "data/params/access.aws-identity-center-leavers.leavers.csv",
      "data/params/access.aws-sso-leavers-no-access.leavers.csv",
    ]);
    expect(readFileSync(join(data, "params", "access.aws-sso-leavers-no-access.leavers.csv"), "utf8")).toBe(
      readFileSync(join(ROOT, "fixtures", "aws", "demo-params", "leavers.csv"), "utf8"),
    );
    const again = await cliInProcess([
      "run",
      "--replay",
      bundle,
      "--params",
      join(ROOT, "fixtures", "aws", "demo-params", "params.yaml"),
      "--json",
      "--out",
      tmpOut(),
    ]);
    expect(again.code).toBe(3);
    const doc = JSON.parse(again.stdout);
    const verdicts = (d: { controls: { id: string; status: string; exceptions: number }[] }) =>
      d.controls.map((c) => `${c.id}:${c.status}:${c.exceptions}`);
    expect(verdicts(doc)).toEqual(verdicts(results));
    const reperformed = await cliInProcess(["reperform", bundle]);
    expect(reperformed.stdout).toMatch(/^REPRODUCED/);
    expect(reperformed.code).toBe(0);
  }, 180_000);

  it("--params overrides a threshold and reports the deviation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-params-"));
    const file = join(dir, "params.yaml");
    writeFileSync(file, "access.aws-iam-access-keys-rotated:\n  max_key_age_days: 365\n");
    const r = await cliInProcess([
      "demo",
      "--out",
      tmpOut(),
      "--json",
      "--control",
      "access.aws-iam-access-keys-rotated",
      "--params",
      file,
    ]);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout).controls[0];
    expect(c.params).toEqual({
      values: { max_key_age_days: 365 },
      defaults: { max_key_age_days: 90 },
      overridden: ["max_key_age_days"],
    });
  });

  it("a params file with an unknown parameter is bad input: exit 2 naming file, line and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-params-"));
    const file = join(dir, "params.yaml");
    writeFileSync(file, "access.aws-iam-access-keys-rotated:\n  max_key_age: 365\n");
    const r = await cliInProcess(["demo", "--out", tmpOut(), "--params", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:2:3: access.aws-iam-access-keys-rotated.max_key_age: unknown parameter`,
    );
  });

  it("bad flags exit 2", async () => {
    // The spawned CLI's exit 2 for usage errors is tested command by command in cli-conventions.test.ts.
    expect((await cliInProcess(["run", "--provider", "azure"])).code).toBe(2);
    expect((await cliInProcess(["run", "--no-such-flag"])).code).toBe(2);
    expect((await cliInProcess(["demo", "--out", tmpOut(), "--control", "access.nope"])).code).toBe(2);
  });
});

describe("itgc-validate lint", () => {
  it("accepts the bundled catalogue", () => {
    const r = cli(["lint"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("names file, line, column and field for a typo, and exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-lint-"));
    mkdirSync(join(dir, "access"));
    const file = join(dir, "access", "typo.yaml");
    const text = readFileSync("controls/access/aws-iam-console-mfa.yaml", "utf8")
      .replace("id: access.aws-iam-console-mfa", "id: access.typo")
      .replace("expect:", "expcet:");
    writeFileSync(file, text);
    const r = await cliInProcess(["lint", file]);
    expect(r.code).toBe(2);
    const line = text.split("\n").findIndex((l) => l.startsWith("expcet:")) + 1;
    expect(r.stderr).toContain(
      `typo.yaml:${line}:1: expcet: unknown field "expcet" (did you mean "expect"?)`,
    );
  });

  it("reports bad CEL, an unknown query and an id that is not the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-lint-"));
    mkdirSync(join(dir, "access"));
    const file = join(dir, "access", "broken.yaml");
    const text = readFileSync("controls/access/aws-iam-console-mfa.yaml", "utf8")
      .replace("query: aws.iam.credentialReport", "query: aws.iam.credentialReprot")
      .replace('where: "!is_root && password_enabled == true"', 'where: "!is_root &&"');
    writeFileSync(file, text);
    const r = await cliInProcess(["lint", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:1:5: id: must equal the file path: expected "access\.broken"/);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: query: unknown query "aws\.iam\.credentialReprot"/);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: where: CEL syntax error/);
  });

  it("rejects an expression that reads a field the query does not produce, or an undeclared param", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-lint-"));
    mkdirSync(join(dir, "access"));
    const file = join(dir, "access", "fields.yaml");
    const text = readFileSync("controls/access/aws-iam-access-keys-rotated.yaml", "utf8")
      .replace("id: access.aws-iam-access-keys-rotated", "id: access.fields")
      .replace("where: access_key_1_active == true", "where: access_key_1_enabled == true")
      .replace("days(params.max_key_age_days)", "days(params.max_age)");
    writeFileSync(file, text);
    const r = await cliInProcess(["lint", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /fields\.yaml:\d+:\d+: where: "access_key_1_enabled" is not a field of aws\.iam\.credentialReport/,
    );
    expect(r.stderr).toMatch(
      /fields\.yaml:\d+:\d+: expect\.0\.that: params\.max_age is not declared under params/,
    );
  });

  it("reports malformed YAML with its position", async () => {
    const dir = mkdtempSync(join(tmpdir(), "itgc-lint-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "id: [unclosed\ntitle: x\n");
    const r = await cliInProcess(["lint", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: YAML:/);
  });
});
