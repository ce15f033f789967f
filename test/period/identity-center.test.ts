/**
 * Identity Center idle users and leavers over the audit period, on the demo's one Identity Center model
 * (ssoadmin.ts: instance, users, groups, assignments) with the sign-ins identity-center-events.ts derives
 * from those users: Identity Store users with their last sign-in from CloudTrail UserAuthentication events,
 * exact users flagged. The leavers list comes inline or from the auditor's CSV file (params-csv.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { identityCenterSignInCalls } from "../../fixtures/aws/demo-src/identity-center-events.js";
import { ssoadminCalls } from "../../fixtures/aws/demo-src/ssoadmin.js";
import { awsCall, type CallSpec, finalise } from "../../fixtures/lib/aws.js";
import { InputError } from "../../src/core/errors.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { identity, NOW } from "../controls/aws-logging-support.js";
import { flagged, resultOf } from "../support/recording.js";

const IDLE = "access.aws-identity-center-idle-users";
const LEAVERS = "access.aws-identity-center-leavers";
const NO_ACCESS = "access.aws-sso-leavers-no-access";
const MALLORY = ["mallory@contractor.example|2026-10-15"];

const dir = mkdtempSync(join(tmpdir(), "itgc-ic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  o: {
    period?: string;
    start?: string;
    params?: Record<string, Record<string, unknown>>;
    paramsFile?: string;
    calls?: (c: CallSpec[]) => CallSpec[];
  } = {},
) {
  const calls = [...identity(), ...ssoadminCalls(), ...identityCenterSignInCalls(o.start)];
  return executeRun({
    filter: { control: [IDLE, LEAVERS, NO_ACCESS] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: NOW, homeRegion: "us-east-1" },
      calls: finalise(o.calls ? o.calls(calls) : calls, NOW),
    },
    aws: { regions: ["us-east-1", "eu-west-1"] },
    ...(o.paramsFile ? { paramsFile: o.paramsFile } : { overrides: o.params ?? {} }),
    ...(o.period ? { period: parsePeriod(o.period) } : {}),
  });
}

describe("Identity Center over the period (one model: users of the instance, their sign-ins)", () => {
  it("idle: erin (60 days) and dave (never) are flagged; leaver mallory kept her user, signed in after leaving and still holds admin", async () => {
    const outcome = await run({
      params: { [LEAVERS]: { leavers: MALLORY }, [NO_ACCESS]: { leavers: MALLORY } },
    });
    expect(resultOf(outcome, IDLE)).toMatchObject({ status: "fail", population: 7, exceptions: 2 });
    expect(flagged(outcome, IDLE)).toEqual(["dave.contractor", "erin.analyst"]);
    const leavers = resultOf(outcome, LEAVERS);
    expect(leavers).toMatchObject({ status: "fail", population: 1, exceptions: 1 });
    expect(leavers.findings[0]!.message).toBe(
      "mallory.contractor signed in after leaving (last sign-in 2026-10-20T21:30:00.000Z); mallory.contractor still has an Identity Center user after their leaving date",
    );
    // The same person, the same model: her direct AdministratorAccess assignment in the member account.
    expect(resultOf(outcome, NO_ACCESS).status).toBe("fail");
    expect(flagged(outcome, NO_ACCESS)).toEqual(["mallory.contractor @ 444455556666"]);
  });
  it("pass: a longer idle threshold, a leaver who is gone, a leaver whose date has not come", async () => {
    const outcome = await run({
      params: {
        [IDLE]: { max_idle_days: 90 },
        [LEAVERS]: { leavers: ["zoe@example.com|2026-09-01"] },
        [NO_ACCESS]: { leavers: ["mallory.contractor|2026-12-31"] },
      },
    });
    // dave never signed in: still idle for 90 days (the whole period).
    expect(flagged(outcome, IDLE)).toEqual(["dave.contractor"]);
    expect(resultOf(outcome, LEAVERS)).toMatchObject({ status: "pass", population: 0 });
    expect(resultOf(outcome, NO_ACCESS)).toMatchObject({ status: "pass", exceptions: 0 });
  });
  it("a period shorter than the idle threshold cannot show idleness (fail on the account, not pass)", async () => {
    const outcome = await run({ period: "last-30d", start: "2026-10-21T09:00:00.000Z" });
    const r = resultOf(outcome, IDLE);
    expect(r.status).toBe("fail");
    expect(r.findings.filter((f) => f.resource === "aws-account:111122223333").map((f) => f.message)).toEqual(
      ["the audit period is shorter than 45 days: idleness cannot be shown"],
    );
  });
  it("error: a period older than the event history", async () => {
    const outcome = await run({ period: "2026-06-01.." });
    expect(resultOf(outcome, IDLE).status).toBe("error");
    expect(resultOf(outcome, LEAVERS).reason).toMatch(/period not covered by the event source/);
  });
  it("error: sso:ListInstances denied — no Identity Center reachable is never an empty pass", async () => {
    const outcome = await run({
      params: { [LEAVERS]: { leavers: MALLORY } },
      calls: (calls) =>
        calls.map((c) =>
          c.operation === "ListInstances"
            ? awsCall({
                service: "SSOAdmin",
                operation: "ListInstances",
                account: c.account,
                region: c.region,
                error: {
                  name: "AccessDeniedException",
                  message: "User is not authorized to perform: sso:ListInstances",
                  fault: "client",
                  httpStatusCode: 400,
                },
              })
            : c,
        ),
    });
    for (const id of [IDLE, LEAVERS, NO_ACCESS]) {
      expect(resultOf(outcome, id).status).toBe("error");
      expect(resultOf(outcome, id).reason).toMatch(/sso:ListInstances/);
    }
  });
});

describe("leavers from the auditor's CSV file", () => {
  it("reads user,leaving_date (header detected, columns reordered, extra column ignored) into both controls and keeps the file as evidence", async () => {
    const csv =
      "Leaving date,Department,User\r\n2026-10-15,Contractors,mallory@contractor.example\r\n2026-09-01,Sales,zoe@example.com\r\n";
    writeFileSync(join(dir, "leavers.csv"), csv);
    writeFileSync(
      join(dir, "params.yaml"),
      `${LEAVERS}:\n  leavers: "@leavers.csv"\n${NO_ACCESS}:\n  leavers: "@leavers.csv"\n`,
    );
    const outcome = await run({ paramsFile: join(dir, "params.yaml") });
    expect(outcome.overrides[LEAVERS]!.leavers).toEqual([
      "mallory@contractor.example|2026-10-15",
      "zoe@example.com|2026-09-01",
    ]);
    expect(flagged(outcome, LEAVERS)).toEqual(["mallory.contractor"]);
    expect(flagged(outcome, NO_ACCESS)).toEqual(["mallory.contractor @ 444455556666"]);
    expect(outcome.paramSources?.map((s) => [s.control, s.param, s.file, s.rows, s.header, s.text])).toEqual([
      [LEAVERS, "leavers", "leavers.csv", 2, true, csv],
      [NO_ACCESS, "leavers", "leavers.csv", 2, true, csv],
    ]);
    expect(outcome.document.run.params.sources?.[0]).toMatchObject({
      file: "leavers.csv",
      rows: 2,
      path: `data/params/${LEAVERS}.leavers.csv`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
  it("a bad leaving date is an input error at the CSV's file:line:column", async () => {
    writeFileSync(join(dir, "bad.csv"), "user,leaving_date\nmallory@contractor.example,15/10/2026\n");
    writeFileSync(join(dir, "bad.yaml"), `${LEAVERS}:\n  leavers: "@bad.csv"\n`);
    const e = await run({ paramsFile: join(dir, "bad.yaml") }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).problems).toEqual([
      {
        file: expect.stringMatching(/bad\.csv$/),
        line: 2,
        column: 28,
        message: 'column leaving_date must be an ISO date (YYYY-MM-DD), got "15/10/2026"',
      },
    ]);
  });
});
