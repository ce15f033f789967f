import { describe, expect, it } from "vitest";
import { awsCall } from "../../fixtures/lib/aws.js";
import { resultOf, runOnCalls } from "../support/recording.js";

const ACCOUNT = "111122223333";

describe("fail closed on an empty scope", () => {
  it("a region-scoped control with no region in scope is error, not pass", async () => {
    const outcome = await runOnCalls({
      controls: ["change-management.aws-config-recorder-all-regions"],
      calls: [
        awsCall({
          service: "STS",
          operation: "GetCallerIdentity",
          account: ACCOUNT,
          region: "us-east-1",
          output: {
            UserId: "AROAEXAMPLE:auditor",
            Account: ACCOUNT,
            Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Audit/auditor`,
          },
        }),
        awsCall({
          service: "EC2",
          operation: "DescribeRegions",
          account: ACCOUNT,
          region: "us-east-1",
          output: { Regions: [] },
        }),
      ],
    });
    const r = resultOf(outcome, "change-management.aws-config-recorder-all-regions");
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/DescribeRegions returned no region/);
  });
});
