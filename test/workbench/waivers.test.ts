/**
 * Waivers: approved, expired, approver = requester, not yet approved, unmatched (stale) and glob waivers,
 * applied to the demo recording's real failures; the file travels in the bundle and `reperform` re-applies it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_RECORDING } from "../../src/cli/commands/demo.js";
import { InputError } from "../../src/core/errors.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import { readBundle } from "../../src/evidence/files.js";
import { reperformBundle } from "../../src/evidence/reperform.js";
import { verifyBundle } from "../../src/evidence/verify.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import { loadRecordings } from "../../src/recording/store.js";
import { exitCodeFor } from "../../src/report/results-document.js";
import { applyWaivers, globToRegExp } from "../../src/waivers/apply.js";
import { parseWaivers } from "../../src/waivers/load.js";

const MFA = "access.aws-iam-console-mfa";
const BOB = "arn:aws:iam::111122223333:user/bob.dev";
const HEIDI = "arn:aws:iam::111122223333:user/heidi.finance";
// The demo recording evaluates at 2026-11-20T09:00:00Z.
const entry = (over: Record<string, string | undefined>) => {
  const w: Record<string, string | undefined> = {
    control: MFA,
    resource: BOB,
    reason: "legacy kiosk account, MFA token on order",
    ticket: "RISK-101",
    requested_by: "bob@example.com",
    approved_by: "ciso@example.com",
    approved_on: "2026-11-01",
    expires: "2026-12-31",
    ...over,
  };
  return `  - ${Object.entries(w)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: "${v}"`)
    .join("\n    ")}\n`;
};
const file = (...entries: string[]) => `waivers:\n${entries.join("")}`;

let base: RunOutcome;
const recording = loadRecordings([DEMO_RECORDING]);
async function demoRun(waiversText?: string): Promise<RunOutcome> {
  return executeRun({
    filter: { control: [MFA, "access.aws-iam-access-keys-rotated"] },
    recording,
    ...(waiversText ? { waivers: parseWaivers("waivers.yaml", waiversText) } : {}),
  });
}
const byId = (o: RunOutcome, id: string) => o.results.find((r) => r.id === id)!;

describe("waivers", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("the demo control fails for exactly bob.dev and heidi.finance without waivers", async () => {
    base = await demoRun();
    const r = byId(base, MFA);
    expect(r.status).toBe("fail");
    expect(
      r.findings
        .filter((f) => f.status === "fail")
        .map((f) => f.resource)
        .sort(),
    ).toEqual([BOB, HEIDI]);
  });

  it("an approved waiver waives its finding only; the other exception keeps the control failing", async () => {
    const o = await demoRun(file(entry({})));
    const r = byId(o, MFA);
    expect(r.status).toBe("fail");
    expect(r.exceptions).toBe(1);
    expect(r.waived).toBe(1);
    const bob = r.findings.find((f) => f.resource === BOB)!;
    expect(bob.status).toBe("waived");
    expect(bob.waiver).toMatchObject({
      ticket: "RISK-101",
      approved_by: "ciso@example.com",
      expires: "2026-12-31",
    });
    expect(r.findings.find((f) => f.resource === HEIDI)!.status).toBe("fail");
    expect(o.document.run.waivers?.waivers[0]).toMatchObject({ state: "applied", matched: 1 });
  });

  it("a glob waiver covering every exception makes the control pass with the waived count (exit 0 for it)", async () => {
    const o = await demoRun(file(entry({ resource: "arn:aws:iam::111122223333:user/*" })));
    const r = byId(o, MFA);
    expect(r.status).toBe("pass");
    expect(r.exceptions).toBe(0);
    expect(r.waived).toBe(2);
    expect(r.reason).toMatch(/2 exception\(s\) covered by approved waivers/);
    expect(exitCodeFor([r])).toBe(0);
    // Passing items stay `pass`: a waiver never touches them.
    const passes = r.findings.filter((f) => f.status === "pass").length;
    expect(passes).toBe(byId(base, MFA).findings.filter((f) => f.status === "pass").length);
  });

  it("expired, self-approved and not-yet-approved waivers do not apply and are reported", async () => {
    const o = await demoRun(
      file(
        entry({ ticket: "EXPIRED", expires: "2026-11-19" }),
        entry({ ticket: "SELF", approved_by: "BOB@example.com" }),
        entry({ ticket: "PENDING", approved_by: undefined, approved_on: undefined }),
        entry({ ticket: "FUTURE", approved_on: "2026-11-21" }),
      ),
    );
    const r = byId(o, MFA);
    expect(r.status).toBe("fail");
    expect(r.waived).toBeUndefined();
    expect(
      r.findings
        .filter((f) => f.status === "fail")
        .map((f) => f.resource)
        .sort(),
    ).toEqual([BOB, HEIDI]);
    const states = Object.fromEntries(o.document.run.waivers!.waivers.map((w) => [w.ticket, w.state]));
    expect(states).toEqual({ EXPIRED: "expired", SELF: "invalid", PENDING: "pending", FUTURE: "pending" });
  });

  it("a waiver that matches nothing is stale; one for another account does not match", async () => {
    const o = await demoRun(
      file(
        entry({ ticket: "GONE", resource: "arn:aws:iam::111122223333:user/left-in-2024" }),
        entry({ ticket: "OTHER-ACCOUNT", account: "999999999999" }),
      ),
    );
    const states = Object.fromEntries(o.document.run.waivers!.waivers.map((w) => [w.ticket, w.state]));
    expect(states).toEqual({ GONE: "stale", "OTHER-ACCOUNT": "stale" });
    expect(byId(o, MFA).waived).toBeUndefined();
  });

  it("an expiry given as a date lasts through that day (UTC)", () => {
    const set = parseWaivers("w.yaml", file(entry({ expires: "2026-11-20" })));
    const r = applyWaivers(base.results, set, new Date("2026-11-20T23:59:00Z"), "x");
    expect(r.report.waivers[0]!.state).toBe("applied");
    const later = applyWaivers(base.results, set, new Date("2026-11-21T00:00:01Z"), "x");
    expect(later.report.waivers[0]!.state).toBe("expired");
  });

  it("error findings are never waived", () => {
    const errored = base.results.map((r) =>
      r.id === MFA
        ? {
            ...r,
            status: "error" as const,
            findings: r.findings.map((f) => ({ ...f, status: "error" as const })),
          }
        : r,
    );
    const set = parseWaivers("w.yaml", file(entry({ resource: "*" })));
    const out = applyWaivers(errored, set, new Date("2026-11-20T09:00:00Z"), "x");
    expect(out.results.find((r) => r.id === MFA)!.status).toBe("error");
    expect(out.report.waivers[0]!.state).toBe("stale");
  });

  it("globs are literal except * and ?", () => {
    expect(globToRegExp("arn:aws:iam::1:user/a.b*").test("arn:aws:iam::1:user/a.bcd")).toBe(true);
    expect(globToRegExp("arn:aws:iam::1:user/a.b").test("arn:aws:iam::1:user/aXb")).toBe(false);
    expect(globToRegExp("user/?").test("user/ab")).toBe(false);
  });

  it("a malformed waivers file is an InputError naming file:line:column and the field", () => {
    const bad =
      "waivers:\n  - control: access.aws-iam-console-mfa\n    resource: x\n    reason: r\n    ticket: T\n    requested_by: a\n    expires: not-a-date\n    approver: b\n";
    let err: InputError | undefined;
    try {
      parseWaivers("w.yaml", bad);
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toMatch(/w\.yaml:8:5: waivers\.0\.approver: unknown field "approver"/);
    expect(() => parseWaivers("w.yaml", bad.replace("    approver: b\n", ""))).toThrow(
      /w\.yaml:7:\d+: waivers\.0\.expires: is not a date/,
    );
    expect(() => parseWaivers("w.yaml", "waivers:\n  - control: x\n")).toThrow(/is required/);
  });

  it("the waivers file is in the signed bundle, and reperform re-applies it identically", async () => {
    const text = file(entry({}), entry({ ticket: "GONE", resource: "nothing" }));
    const o = await demoRun(text);
    const out = mkdtempSync(join(tmpdir(), "itgc-waivers-"));
    dirs.push(out);
    const written = await writeBundle(o, { outDir: out, signer: null, toolCommit: null });
    const bundle = readBundle(written.path);
    expect(bundle.files.get("data/waivers.yaml")!.toString("utf8")).toBe(text);
    expect(readFileSync(join(written.path, "manifest-sha256.txt"), "utf8")).toMatch(
      / {2}data\/waivers\.yaml\n/,
    );
    const run = JSON.parse(bundle.files.get("data/run.json")!.toString("utf8"));
    expect(run.waivers.counts).toMatchObject({ applied: 1, stale: 1 });
    expect(run.waivers.file).toBe("waivers.yaml");
    const exceptions = bundle.files.get("data/results/exceptions.csv")!.toString("utf8");
    expect(exceptions).toMatch(
      /,waived,111122223333,us-east-1,arn:aws:iam::111122223333:user\/bob\.dev,.*RISK-101,ciso@example\.com,2026-12-31/,
    );
    const re = await reperformBundle(bundle);
    expect(re.differences).toEqual([]);
    expect(re.reproduced).toBe(true);
    // An edited waivers file is caught by verify (it is in the manifest).
    const edited = new Map(bundle.files);
    edited.set("data/waivers.yaml", Buffer.from(text.replace("RISK-101", "RISK-999")));
    const report = verifyBundle({ ...bundle, files: edited });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.file)).toContain("data/waivers.yaml");
  });
});
