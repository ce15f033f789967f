import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, cli, cliInProcess } from "../support/cli.js";
import { DENIED, MANAGEMENT, MEMBERS, SUSPENDED, writeOrgRecording } from "./org-recording.js";

const CONTROL = "access.aws-iam-console-mfa";

type OrgRun = CliResult & { doc: ReturnType<typeof JSON.parse> };

function orgArgs(extra: string[], recording: string) {
  const out = mkdtempSync(join(tmpdir(), "itgc-org-out-"));
  const args = [
    "run",
    "--replay",
    recording,
    "--org",
    "--control",
    CONTROL,
    "--json",
    "--no-sign",
    "--out",
    out,
    ...extra,
  ];
  return { args, env: { XDG_CONFIG_HOME: out, CI: "true" } };
}

const withDoc = (r: CliResult): OrgRun => ({ ...r, doc: r.stdout ? JSON.parse(r.stdout) : undefined });

/** The real CLI, spawned: for the run whose exit status and streams are checked. */
function runOrg(extra: string[], recording = writeOrgRecording()): OrgRun {
  const { args, env } = orgArgs(extra, recording);
  return withDoc(cli(args, { env }));
}

/** The same entry point in process: for the further flag combinations, which check the document. */
async function runOrgInProcess(extra: string[], recording = writeOrgRecording()): Promise<OrgRun> {
  const { args, env } = orgArgs(extra, recording);
  return withDoc(await cliInProcess(args, { env }));
}

describe("organization fan-out (replay through the CLI: the first run and merge spawned, the other flags in process)", () => {
  it("finishes with one AssumeRole denied: that account is a scope gap, every other account has verdicts, exit 3", () => {
    const r = runOrg([]);
    expect(r.code).toBe(3);
    const aws = r.doc.run.providers[0];
    expect(aws.caller.account).toBe(MANAGEMENT);
    // The suspended account is not in scope; the denied one is a gap, not a target.
    expect(aws.targets.map((t: { unit: string }) => t.unit)).toEqual([
      MANAGEMENT,
      ...MEMBERS.filter((m) => m !== DENIED),
    ]);
    expect(aws.targets.map((t: { unit: string }) => t.unit)).not.toContain(SUSPENDED);
    expect(aws.gaps).toHaveLength(1);
    expect(aws.gaps[0].unit).toBe(DENIED);
    expect(aws.gaps[0].reason).toMatch(
      /cannot assume arn:aws:iam::444444444444:role\/ITGCAuditReadOnly: AccessDenied/,
    );
    const c = r.doc.controls[0];
    expect(c.id).toBe(CONTROL);
    expect(c.status).toBe("error");
    expect(c.errors.map((e: { account: string }) => e.account)).toEqual([DENIED]);
    const failed = c.findings
      .filter((f: { status: string }) => f.status === "fail")
      .map((f: { account: string }) => f.account);
    expect(failed.sort()).toEqual([MANAGEMENT, MEMBERS[0], MEMBERS[1]].sort());
    expect(c.population).toBe(6);
    // Progress lines go to stderr only; stdout held nothing but the document (it parsed).
    expect(r.stderr).toMatch(/scope gap: 444444444444/);
  });

  it("--exclude-accounts drops the denied account: exit 1 (the failures remain), no gap", async () => {
    const r = await runOrgInProcess(["--exclude-accounts", DENIED]);
    expect(r.code).toBe(1);
    expect(r.doc.run.providers[0].gaps).toEqual([]);
    expect(r.doc.controls[0].status).toBe("fail");
  });

  it("--accounts limits the scope, and an asked-for suspended account is a gap", async () => {
    const r = await runOrgInProcess(["--accounts", `${MEMBERS[0]},${SUSPENDED}`]);
    const aws = r.doc.run.providers[0];
    expect(aws.targets.map((t: { unit: string }) => t.unit)).toEqual([MEMBERS[0]]);
    expect(aws.gaps.map((g: { unit: string; reason: string }) => `${g.unit}: ${g.reason}`)).toEqual([
      `${SUSPENDED}: account is SUSPENDED in the organization, not ACTIVE`,
    ]);
  });

  it("ExternalId passes through to every AssumeRole (a replay with another one does not match)", async () => {
    const rec = writeOrgRecording({ externalId: "audit-7f3a" });
    const ok = await runOrgInProcess(["--external-id", "audit-7f3a"], rec);
    expect(ok.doc.run.providers[0].targets).toHaveLength(3);
    const wrong = await runOrgInProcess(["--external-id", "other"], rec);
    expect(wrong.doc.run.providers[0].gaps.map((g: { reason: string }) => g.reason).join("\n")).toMatch(
      /no recorded answer for STS\.AssumeRole/,
    );
  });

  it("--shard splits the accounts; merge recombines the shards into the full run's verdicts", async () => {
    const rec = writeOrgRecording();
    const full = await runOrgInProcess([], rec);
    const dir = mkdtempSync(join(tmpdir(), "itgc-shards-"));
    const files: string[] = [];
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runOrgInProcess(["--shard", `${i}/3`], rec);
      const file = join(dir, `shard-${i}.json`);
      writeFileSync(file, r.stdout);
      files.push(file);
      const p = r.doc.run.providers[0];
      seen.push(
        ...p.targets.map((t: { unit: string }) => t.unit),
        ...p.gaps.map((g: { unit: string }) => g.unit),
      );
    }
    // Every account (targets and gaps) lands in exactly one shard.
    expect(seen.sort()).toEqual([MANAGEMENT, ...MEMBERS].sort());
    const merged = cli(["merge", ...files]);
    expect(merged.code).toBe(3);
    const doc = JSON.parse(merged.stdout);
    const a = doc.controls[0];
    const b = full.doc.controls[0];
    expect({ status: a.status, population: a.population, exceptions: a.exceptions }).toEqual({
      status: b.status,
      population: b.population,
      exceptions: b.exceptions,
    });
    expect(a.findings).toEqual(b.findings);
    expect(doc.summary).toEqual(full.doc.summary);
    expect(doc.run.providers[0].gaps.map((g: { unit: string }) => g.unit)).toEqual([DENIED]);
    expect(doc.run.merged.shards).toHaveLength(3);
    // Merging a shard with itself is refused: its accounts would count twice.
    const withUnits = files.filter((f) => /"unit": "\d{12}"/.test(readFileSync(f, "utf8")));
    expect(withUnits.length).toBeGreaterThan(0);
    expect((await cliInProcess(["merge", withUnits[0]!, withUnits[0]!])).code).toBe(2);
    expect(readFileSync(files[0]!, "utf8")).toContain('"format": "itgc-validate/results@1"');
  });
});
