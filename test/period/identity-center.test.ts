/**
 * Identity Center idle users and leavers over the audit period: Identity Store users (ListUsers) with their
 * last sign-in derived from CloudTrail UserAuthentication events (the demo account's), exact users flagged.
 */
import { describe, expect, it } from "vitest";
import { identityCenterCalls } from "../../fixtures/aws/demo-src/identity-center-events.js";
import { finalise } from "../../fixtures/lib/aws.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { identity, NOW } from "../controls/aws-logging-support.js";
import { flagged, resultOf } from "../support/recording.js";

const IDLE = "access.aws-identity-center-idle-users";
const LEAVERS = "access.aws-identity-center-leavers";

async function run(
  o: { period?: string; start?: string; params?: Record<string, Record<string, unknown>> } = {},
) {
  return executeRun({
    filter: { control: [IDLE, LEAVERS] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: NOW, homeRegion: "us-east-1" },
      calls: finalise([...identity(), ...identityCenterCalls(o.start)], NOW),
    },
    aws: { regions: ["us-east-1", "eu-west-1"] },
    overrides: o.params,
    ...(o.period ? { period: parsePeriod(o.period) } : {}),
  });
}

describe("Identity Center over the period", () => {
  it("idle: grace (60 days) and henry (never) are flagged; leavers: mallory kept her user and signed in after leaving", async () => {
    const outcome = await run();
    expect(resultOf(outcome, IDLE)).toMatchObject({ status: "fail", population: 5, exceptions: 2 });
    expect(flagged(outcome, IDLE)).toEqual(["grace@example.com", "henry@example.com"]);
    const leavers = resultOf(outcome, LEAVERS);
    expect(leavers).toMatchObject({ status: "fail", population: 1, exceptions: 1 });
    expect(leavers.findings[0]!.message).toBe(
      "mallory@example.com signed in after leaving (last sign-in 2026-10-20T21:30:00.000Z); mallory@example.com still has an Identity Center user after their leaving date",
    );
  });
  it("pass: a longer idle threshold, and a leaver who is gone", async () => {
    const outcome = await run({
      params: { [IDLE]: { max_idle_days: 90 }, [LEAVERS]: { leavers: ["zoe@example.com|2026-09-01"] } },
    });
    // henry never signed in: still idle for 90 days (the whole period).
    expect(flagged(outcome, IDLE)).toEqual(["henry@example.com"]);
    expect(resultOf(outcome, LEAVERS)).toMatchObject({ status: "pass", population: 0 });
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
});
