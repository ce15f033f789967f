import { GetAccountSummaryCommand, IAMClient } from "@aws-sdk/client-iam";
import { ServiceException } from "@smithy/smithy-client";
import { describe, expect, it } from "vitest";
import { finalise } from "../../fixtures/lib/aws.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { newAttemptStats } from "../../src/providers/aws/middleware.js";
import { AwsSession } from "../../src/providers/aws/session.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";

const ACCOUNT = "111122223333";
const summary = finalise(
  [
    {
      service: "IAM",
      operation: "GetAccountSummary",
      account: ACCOUNT,
      region: "us-east-1",
      input: {},
      output: { SummaryMap: { Users: 3 } },
    },
  ],
  "2026-11-20T09:00:00.000Z",
);

const throttling = () =>
  new ServiceException({
    name: "ThrottlingException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Rate exceeded",
  });

function session(maxAttempts: number, throttleFirst: number) {
  const recorder = new Recorder();
  const stats = newAttemptStats();
  let n = 0;
  const s = new AwsSession(
    {
      recorder,
      replay: new ReplayIndex(summary),
      maxAttempts,
      retryMode: "standard",
      stats,
      beforeReplayAttempt: async () => {
        if (n++ < throttleFirst) throw throttling();
      },
    },
    undefined,
    ACCOUNT,
  );
  return { client: s.client(IAMClient, "us-east-1"), recorder, stats };
}

describe("throttling injected below the SDK retry loop", () => {
  it("is retried by the SDK's own strategy, and every throttle and retry is counted", async () => {
    const { client, recorder, stats } = session(4, 2);
    const out = await client.send(new GetAccountSummaryCommand({}));
    expect(out.SummaryMap?.Users).toBe(3);
    expect(out.$metadata.attempts).toBe(3);
    // Throttles seen even though the call finally succeeded.
    expect(stats).toEqual({ attempts: 3, throttles: 2 });
    expect(recorder.stats()).toMatchObject({ calls: 1, errors: 0, retries: 2 });
    expect(recorder.all()[0]).toMatchObject({ attempts: 3, output: { SummaryMap: { Users: 3 } } });
  }, 30_000);

  it("throttling that outlasts the retries fails the call (recorded as an error, never an answer)", async () => {
    const { client, recorder, stats } = session(2, 99);
    await expect(client.send(new GetAccountSummaryCommand({}))).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    expect(stats).toEqual({ attempts: 2, throttles: 2 });
    expect(recorder.all()[0]).toMatchObject({ error: { name: "ThrottlingException" }, attempts: 2 });
  }, 30_000);

  it("fails closed: a control whose data was throttled past the retries is error, and run.stats counts it", async () => {
    let n = 0;
    const now = "2026-11-20T09:00:00.000Z";
    const outcome = await executeRun({
      filter: { control: ["access.aws-iam-console-mfa"] },
      recording: {
        dir: "(in-memory)",
        meta: { startedAt: now, homeRegion: "us-east-1" },
        calls: finalise(
          [
            {
              service: "STS",
              operation: "GetCallerIdentity",
              account: ACCOUNT,
              region: "us-east-1",
              input: {},
              output: {
                Account: ACCOUNT,
                Arn: `arn:aws:iam::${ACCOUNT}:user/auditor`,
                UserId: "AIDAEXAMPLE",
              },
            },
            {
              service: "IAM",
              operation: "GenerateCredentialReport",
              account: ACCOUNT,
              region: "us-east-1",
              input: {},
              output: { State: "COMPLETE" },
            },
          ],
          now,
        ),
      },
      aws: {
        maxAttempts: 2,
        retryMode: "standard",
        beforeReplayAttempt: async (call) => {
          if (call.operation === "GenerateCredentialReport") {
            n++;
            throw throttling();
          }
        },
      },
    });
    const r = outcome.results[0]!;
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/ThrottlingException/);
    expect(n).toBe(2);
    expect(outcome.document.run.stats.throttles).toBe(2);
    expect(outcome.document.run.stats.retries).toBe(1);
  }, 30_000);
});
