/**
 * change-management.aws-codepipeline-executions-approved over the audit period, replayed from
 * ListPipelines / GetPipeline / ListPipelineExecutions / ListActionExecutions answers in the real shapes
 * (the demo account's pipelines and executions), asserting the exact executions flagged.
 */
import { describe, expect, it } from "vitest";
import { codepipelineCalls } from "../../fixtures/aws/demo-src/codepipeline.js";
import { pipelineExecutionCalls } from "../../fixtures/aws/demo-src/events.js";
import { finalise } from "../../fixtures/lib/aws.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { identity, NOW } from "../controls/aws-logging-support.js";
import { flagged, resultOf } from "../support/recording.js";

const ID = "change-management.aws-codepipeline-executions-approved";

async function run(calls = [...codepipelineCalls(), ...pipelineExecutionCalls()], period = "last-90d") {
  return executeRun({
    filter: { control: [ID] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: NOW, homeRegion: "us-east-1" },
      calls: finalise([...identity(), ...calls], NOW),
    },
    aws: { regions: ["us-east-1", "eu-west-1"] },
    period: parsePeriod(period),
  });
}

describe(ID, () => {
  it("flags the unapproved and the self-approved production deploys, not the dev-only execution", async () => {
    const outcome = await run();
    const r = resultOf(outcome, ID);
    expect(r).toMatchObject({ status: "fail", population: 9, exceptions: 4 });
    const hex = (s: string) => Buffer.from(s).toString("hex").padEnd(32, "0").slice(0, 32);
    const id = (s: string) => hex(s).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    expect(flagged(outcome, ID)).toEqual(
      [id("payments-api-4"), id("web-frontend-0"), id("web-frontend-1"), id("web-frontend-2")].sort(),
    );
    const self = r.findings.find((f) => f.resource === id("payments-api-4"));
    expect(self?.message).toMatch(/approved by .*change-board\/erin@example.com, the person who started it/);
  });

  it("passes when only approved executions are in the period", async () => {
    // The last 20 days hold only payments-api's newest execution (approved by another person).
    const outcome = await run(undefined, "last-20d");
    expect(resultOf(outcome, ID)).toMatchObject({ status: "pass", population: 1, exceptions: 0 });
  });

  it("is error when the action executions cannot be read", async () => {
    const calls = [...codepipelineCalls(), ...pipelineExecutionCalls()].map((c) =>
      c.operation === "ListActionExecutions" && c.region === "us-east-1"
        ? {
            ...c,
            output: undefined,
            error: {
              name: "AccessDeniedException",
              message: "not authorized to perform: codepipeline:ListActionExecutions",
              fault: "client" as const,
              httpStatusCode: 400,
            },
          }
        : c,
    );
    const r = resultOf(await run(calls), ID);
    expect(r.status).toBe("error");
    // The unreadable region, and the account's region completeness check (us-east-1 was not evaluated).
    expect(r.errors.map((e) => e.region)).toEqual(["us-east-1", "global"]);
  });

  it("is error for a period beyond the 12 months of execution history", async () => {
    const r = resultOf(await run(undefined, "2025-06-01..2025-12-31"), ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/period not covered by the event source: CodePipeline keeps execution history/);
  });
});
