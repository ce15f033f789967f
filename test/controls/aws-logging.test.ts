/**
 * The AWS logging pack: for every control a passing, a failing and an error case, each a small recording in
 * the real API shapes replayed through the engine, asserting the status and the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { flagged, resultOf } from "../support/recording.js";
import {
  ACCOUNT,
  CALLER,
  call,
  deniedException,
  OTHER,
  REGION,
  ROOT_ARN,
  run,
  type TrailSpec,
  trailArn,
  trailCalls,
} from "./aws-logging-support.js";

const ACCOUNT_RESOURCE = `aws-account:${ACCOUNT}`;
const S3_ACCESS_DENIED = {
  name: "AccessDenied",
  message: "Access Denied",
  fault: "client" as const,
  httpStatusCode: 403,
};
const NO_PAB = {
  name: "NoSuchPublicAccessBlockConfiguration",
  message: "The public access block configuration was not found",
  fault: "client" as const,
  httpStatusCode: 404,
};
const ALL_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

describe("logging.aws-cloudtrail-multi-region-logging", () => {
  const ID = "logging.aws-cloudtrail-multi-region-logging";
  it("passes with a multi-region trail logging all management events", async () => {
    const out = await run(
      [ID],
      trailCalls([{ name: "main" }, { name: "regional", multiRegion: false, logging: false }]),
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("fails when the multi-region trail is stopped", async () => {
    const out = await run([ID], trailCalls([{ name: "main", logging: false }]));
    expect(flagged(out, ID)).toEqual([ACCOUNT_RESOURCE]);
  });
  it("errors when event selectors cannot be read", async () => {
    const t: TrailSpec = { name: "main" };
    const calls = trailCalls([t]).map((c) =>
      c.operation === "GetEventSelectors"
        ? { ...c, output: undefined, ...deniedException("cloudtrail:GetEventSelectors") }
        : c,
    );
    const out = await run([ID], calls);
    expect(resultOf(out, ID).status).toBe("error");
    expect(resultOf(out, ID).reason).toContain(`GetEventSelectors for trail ${trailArn(t)}`);
  });
});

describe("logging.aws-cloudtrail-log-file-validation", () => {
  const ID = "logging.aws-cloudtrail-log-file-validation";
  it("passes when every trail validates log files", async () => {
    expect(resultOf(await run([ID], trailCalls([{ name: "main" }])), ID).status).toBe("pass");
  });
  it("flags the trail without validation", async () => {
    const out = await run([ID], trailCalls([{ name: "main" }, { name: "legacy", validation: false }]));
    expect(flagged(out, ID)).toEqual([trailArn({ name: "legacy" })]);
  });
  it("errors when trails cannot be listed", async () => {
    const out = await run(
      [ID],
      [
        call("CloudTrail", "DescribeTrails", deniedException("cloudtrail:DescribeTrails"), {
          includeShadowTrails: true,
        }),
      ],
    );
    expect(resultOf(out, ID).status).toBe("error");
  });
});

describe("logging.aws-cloudtrail-kms-encryption", () => {
  const ID = "logging.aws-cloudtrail-kms-encryption";
  const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1f0e9c2a-4d4b-4a67-9b1e-3c5d2f7a8b90`;
  const describeKey = (manager = "CUSTOMER") =>
    call(
      "KMS",
      "DescribeKey",
      {
        output: {
          KeyMetadata: {
            AWSAccountId: ACCOUNT,
            KeyId: KEY.split("/")[1],
            Arn: KEY,
            CreationDate: "2021-02-15T09:20:00.000Z",
            Enabled: true,
            KeyUsage: "ENCRYPT_DECRYPT",
            KeyState: "Enabled",
            Origin: "AWS_KMS",
            KeyManager: manager,
            KeySpec: "SYMMETRIC_DEFAULT",
            EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
            MultiRegion: false,
          },
        },
      },
      { KeyId: KEY },
    );
  const rotation = (on: boolean) =>
    call(
      "KMS",
      "GetKeyRotationStatus",
      { output: { KeyRotationEnabled: on, KeyId: KEY, ...(on ? { RotationPeriodInDays: 365 } : {}) } },
      { KeyId: KEY },
    );

  it("passes with a customer managed key whose rotation is on", async () => {
    const out = await run(
      [ID],
      [...trailCalls([{ name: "main", kmsKey: KEY }]), describeKey(), rotation(true)],
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("flags a trail without a key and a trail whose key does not rotate", async () => {
    const out = await run(
      [ID],
      [...trailCalls([{ name: "main", kmsKey: KEY }, { name: "plain" }]), describeKey(), rotation(false)],
    );
    expect(flagged(out, ID)).toEqual([trailArn({ name: "main" }), trailArn({ name: "plain" })]);
  });
  it("errors, naming the key, when the key cannot be described", async () => {
    const out = await run(
      [ID],
      [
        ...trailCalls([{ name: "main", kmsKey: KEY }]),
        call("KMS", "DescribeKey", deniedException("kms:DescribeKey"), { KeyId: KEY }),
      ],
    );
    expect(resultOf(out, ID).status).toBe("error");
    expect(resultOf(out, ID).reason).toContain(`DescribeKey on trail key ${KEY}`);
  });
});

/** A trail delivering to `bucket` in eu-west-1 (GetBucketLocation in us-east-1, the rest in eu-west-1). */
function bucketCalls(
  bucket: string,
  pab: { output?: Record<string, unknown>; error?: CallSpec["error"] },
  logging: Record<string, unknown>,
): CallSpec[] {
  return [
    call("S3", "GetBucketLocation", { output: { LocationConstraint: "eu-west-1" } }, { Bucket: bucket }),
    call("S3", "GetPublicAccessBlock", pab, { Bucket: bucket }, "eu-west-1"),
    call("S3", "GetBucketLogging", { output: logging }, { Bucket: bucket }, "eu-west-1"),
  ];
}
const BUCKET_ARN = "arn:aws:s3:::audit-logs";
const ACCESS_LOGGING = { LoggingEnabled: { TargetBucket: "access-logs", TargetPrefix: "audit-logs/" } };

describe("logging.aws-cloudtrail-bucket-public-access-blocked", () => {
  const ID = "logging.aws-cloudtrail-bucket-public-access-blocked";
  const trail = trailCalls([{ name: "main", bucket: "audit-logs" }]);
  it("passes when all four settings are on", async () => {
    const out = await run(
      [ID],
      [
        ...trail,
        ...bucketCalls(
          "audit-logs",
          { output: { PublicAccessBlockConfiguration: ALL_BLOCKED } },
          ACCESS_LOGGING,
        ),
      ],
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("fails with no configuration (NoSuchPublicAccessBlockConfiguration is a finding) or a partial one", async () => {
    const none = await run([ID], [...trail, ...bucketCalls("audit-logs", { error: NO_PAB }, ACCESS_LOGGING)]);
    expect(resultOf(none, ID).status).toBe("fail");
    expect(flagged(none, ID)).toEqual([BUCKET_ARN]);
    const partial = await run(
      [ID],
      [
        ...trail,
        ...bucketCalls(
          "audit-logs",
          { output: { PublicAccessBlockConfiguration: { ...ALL_BLOCKED, RestrictPublicBuckets: false } } },
          ACCESS_LOGGING,
        ),
      ],
    );
    expect(flagged(partial, ID)).toEqual([BUCKET_ARN]);
  });
  it("errors, pointing at the log-archive account, when the bucket is not readable from here", async () => {
    const out = await run(
      [ID],
      [...trail, call("S3", "GetBucketLocation", { error: S3_ACCESS_DENIED }, { Bucket: "audit-logs" })],
    );
    const r = resultOf(out, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toContain("trail bucket audit-logs");
    expect(r.reason).toContain("another (log-archive) account");
  });
});

describe("logging.aws-cloudtrail-bucket-access-logging", () => {
  const ID = "logging.aws-cloudtrail-bucket-access-logging";
  const trail = trailCalls([{ name: "main", bucket: "audit-logs" }]);
  const pab = { output: { PublicAccessBlockConfiguration: ALL_BLOCKED } };
  it("passes when access logs go to another bucket", async () => {
    expect(
      resultOf(await run([ID], [...trail, ...bucketCalls("audit-logs", pab, ACCESS_LOGGING)]), ID).status,
    ).toBe("pass");
  });
  it("fails when access logging is off, or targets the bucket itself", async () => {
    expect(flagged(await run([ID], [...trail, ...bucketCalls("audit-logs", pab, {})]), ID)).toEqual([
      BUCKET_ARN,
    ]);
    const self = { LoggingEnabled: { TargetBucket: "audit-logs", TargetPrefix: "access/" } };
    expect(flagged(await run([ID], [...trail, ...bucketCalls("audit-logs", pab, self)]), ID)).toEqual([
      BUCKET_ARN,
    ]);
  });
  it("errors when the bucket logging cannot be read", async () => {
    const out = await run(
      [ID],
      [
        ...trail,
        ...bucketCalls("audit-logs", pab, {}).slice(0, 2),
        call("S3", "GetBucketLogging", { error: S3_ACCESS_DENIED }, { Bucket: "audit-logs" }, "eu-west-1"),
      ],
    );
    expect(resultOf(out, ID).status).toBe("error");
  });
});

describe("logging.aws-cloudtrail-cloudwatch-logs-delivery", () => {
  const ID = "logging.aws-cloudtrail-cloudwatch-logs-delivery";
  it("passes when every logging trail delivered within the hours allowed", async () => {
    const out = await run(
      [ID],
      trailCalls([{ name: "main" }, { name: "stopped", logging: false, logGroup: null }]),
    );
    expect(resultOf(out, ID).status).toBe("pass");
    expect(resultOf(out, ID).population).toBe(1);
  });
  it("flags a logging trail without CloudWatch Logs and one whose last delivery is too old", async () => {
    const out = await run(
      [ID],
      trailCalls([
        { name: "main", cwDelivery: "2026-11-17T09:00:00.000Z" },
        { name: "nocw", logGroup: null },
      ]),
    );
    expect(flagged(out, ID)).toEqual([trailArn({ name: "main" }), trailArn({ name: "nocw" })]);
    const relaxed = await run([ID], trailCalls([{ name: "main", cwDelivery: "2026-11-17T09:00:00.000Z" }]), {
      params: { [ID]: { max_delivery_age_hours: 96 } },
    });
    expect(resultOf(relaxed, ID).status).toBe("pass");
  });
  it("errors when the trail status cannot be read", async () => {
    const out = await run(
      [ID],
      trailCalls([{ name: "main" }], { statusError: deniedException("cloudtrail:GetTrailStatus").error }),
    );
    expect(resultOf(out, ID).status).toBe("error");
  });
});

describe("logging.aws-cloudtrail-bucket-data-events", () => {
  const ID = "logging.aws-cloudtrail-bucket-data-events";
  const allBuckets = {
    EventSelectors: [
      {
        ReadWriteType: "All",
        IncludeManagementEvents: true,
        DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3"] }],
        ExcludeManagementEventSources: [],
      },
    ],
  };
  const advancedPrefix = (prefix: string, readOnly?: string) => ({
    AdvancedEventSelectors: [
      { Name: "Management", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
      {
        Name: "S3 data",
        FieldSelectors: [
          { Field: "eventCategory", Equals: ["Data"] },
          { Field: "resources.type", Equals: ["AWS::S3::Object"] },
          { Field: "resources.ARN", StartsWith: [prefix] },
          ...(readOnly ? [{ Field: "readOnly", Equals: [readOnly] }] : []),
        ],
      },
    ],
  });
  it("passes with classic selectors on all buckets, or advanced ones on the whole bucket", async () => {
    expect(
      resultOf(
        await run([ID], trailCalls([{ name: "main", bucket: "audit-logs", selectors: allBuckets }])),
        ID,
      ).status,
    ).toBe("pass");
    const adv = trailCalls([
      { name: "main", bucket: "audit-logs", selectors: advancedPrefix("arn:aws:s3:::audit-logs/") },
    ]);
    expect(resultOf(await run([ID], adv), ID).status).toBe("pass");
  });
  it("fails with a selector covering only a prefix, only writes, or on a stopped trail", async () => {
    const prefix = trailCalls([
      { name: "main", bucket: "audit-logs", selectors: advancedPrefix("arn:aws:s3:::audit-logs/AWSLogs/") },
    ]);
    expect(flagged(await run([ID], prefix), ID)).toEqual([BUCKET_ARN]);
    const writes = trailCalls([
      { name: "main", bucket: "audit-logs", selectors: advancedPrefix("arn:aws:s3:::audit-logs/", "false") },
    ]);
    const w = await run([ID], writes);
    expect(flagged(w, ID)).toEqual([BUCKET_ARN]);
    expect(resultOf(w, ID).findings[0]?.message).toContain("read data events");
    const stopped = trailCalls([
      { name: "main", bucket: "audit-logs", selectors: allBuckets, logging: false },
    ]);
    expect(flagged(await run([ID], stopped), ID)).toEqual([BUCKET_ARN]);
  });
  it("errors when event selectors cannot be read", async () => {
    const calls = trailCalls([{ name: "main", bucket: "audit-logs" }]).map((c) =>
      c.operation === "GetEventSelectors"
        ? { ...c, output: undefined, ...deniedException("cloudtrail:GetEventSelectors") }
        : c,
    );
    expect(resultOf(await run([ID], calls), ID).status).toBe("error");
  });
});

describe("logging.aws-cloudtrail-log-group-retention", () => {
  const ID = "logging.aws-cloudtrail-log-group-retention";
  const LG = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:cloudtrail`;
  const groups = (retention?: number) =>
    call("CloudWatchLogs", "DescribeLogGroups", {
      output: {
        logGroups: [
          {
            logGroupName: "cloudtrail",
            creationTime: 1613381400000,
            ...(retention ? { retentionInDays: retention } : {}),
            metricFilterCount: 0,
            arn: `${LG}:*`,
            logGroupArn: LG,
            storedBytes: 1024,
            logGroupClass: "STANDARD",
          },
        ],
      },
    });
  it("passes when the log group never expires or keeps events long enough", async () => {
    expect(resultOf(await run([ID], [...trailCalls([{ name: "main" }]), groups()]), ID).status).toBe("pass");
    expect(resultOf(await run([ID], [...trailCalls([{ name: "main" }]), groups(400)]), ID).status).toBe(
      "pass",
    );
  });
  it("fails when retention is below min_retention_days, or the log group is gone", async () => {
    expect(flagged(await run([ID], [...trailCalls([{ name: "main" }]), groups(90)]), ID)).toEqual([LG]);
    const gone = await run(
      [ID],
      [
        ...trailCalls([{ name: "main" }]),
        call("CloudWatchLogs", "DescribeLogGroups", { output: { logGroups: [] } }),
      ],
    );
    expect(flagged(gone, ID)).toEqual([LG]);
  });
  it("errors when log groups cannot be listed, or the log group is in another account", async () => {
    const denied = await run(
      [ID],
      [
        ...trailCalls([{ name: "main" }]),
        call("CloudWatchLogs", "DescribeLogGroups", deniedException("logs:DescribeLogGroups")),
      ],
    );
    expect(resultOf(denied, ID).status).toBe("error");
    const foreign = await run([ID], trailCalls([{ name: "org", owner: OTHER, org: true }]));
    expect(resultOf(foreign, ID).status).toBe("error");
    expect(resultOf(foreign, ID).reason).toContain(`belongs to account ${OTHER}`);
  });
});

describe("logging.aws-vpc-flow-logs-enabled", () => {
  const ID = "logging.aws-vpc-flow-logs-enabled";
  const vpc = (id: string, isDefault = false) => ({
    OwnerId: ACCOUNT,
    InstanceTenancy: "default",
    IsDefault: isDefault,
    VpcId: id,
    State: "available",
    CidrBlock: "10.0.0.0/16",
    DhcpOptionsId: "dopt-0c2b1a0987654321f",
  });
  const flow = (vpcId: string, traffic: string) => ({
    CreationTime: "2022-01-01T00:00:00.000Z",
    DeliverLogsStatus: "SUCCESS",
    FlowLogId: `fl-${vpcId.slice(4)}`,
    FlowLogStatus: "ACTIVE",
    ResourceId: vpcId,
    TrafficType: traffic,
    LogDestinationType: "s3",
    LogDestination: "arn:aws:s3:::flow-logs",
    MaxAggregationInterval: 600,
  });
  const calls = (vpcs: unknown[], logs: unknown[]) => [
    call("EC2", "DescribeVpcs", { output: { Vpcs: vpcs } }),
    call("EC2", "DescribeFlowLogs", { output: { FlowLogs: logs } }),
  ];
  const arn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${id}`;
  it("passes when every VPC has an active flow log of REJECT or ALL traffic", async () => {
    const out = await run(
      [ID],
      calls([vpc("vpc-0aaa"), vpc("vpc-0bbb")], [flow("vpc-0aaa", "ALL"), flow("vpc-0bbb", "REJECT")]),
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("flags a VPC without a flow log and one capturing ACCEPT only; default VPCs can be left out by param", async () => {
    const c = calls([vpc("vpc-0aaa"), vpc("vpc-0bbb"), vpc("vpc-0def", true)], [flow("vpc-0aaa", "ACCEPT")]);
    expect(flagged(await run([ID], c), ID)).toEqual([arn("vpc-0aaa"), arn("vpc-0bbb"), arn("vpc-0def")]);
    const out = await run([ID], c, { params: { [ID]: { include_default_vpcs: false } } });
    expect(flagged(out, ID)).toEqual([arn("vpc-0aaa"), arn("vpc-0bbb")]);
  });
  it("errors when flow logs cannot be listed", async () => {
    const out = await run(
      [ID],
      [
        call("EC2", "DescribeVpcs", { output: { Vpcs: [vpc("vpc-0aaa")] } }),
        call("EC2", "DescribeFlowLogs", {
          error: {
            name: "UnauthorizedOperation",
            message: `You are not authorized to perform this operation. User: ${CALLER} is not authorized to perform: ec2:DescribeFlowLogs because no identity-based policy allows the ec2:DescribeFlowLogs action`,
            fault: "client",
            httpStatusCode: 403,
          },
        }),
      ],
    );
    expect(resultOf(out, ID).status).toBe("error");
  });
});

describe("logging.aws-s3-account-public-access-block", () => {
  const ID = "logging.aws-s3-account-public-access-block";
  const pab = (answer: { output?: Record<string, unknown>; error?: CallSpec["error"] }) =>
    call("S3Control", "GetPublicAccessBlock", answer, { AccountId: ACCOUNT });
  it("passes when all four account-level settings are on", async () => {
    expect(
      resultOf(await run([ID], [pab({ output: { PublicAccessBlockConfiguration: ALL_BLOCKED } })]), ID)
        .status,
    ).toBe("pass");
  });
  it("fails with no account-level configuration, or a partial one", async () => {
    expect(flagged(await run([ID], [pab({ error: NO_PAB })]), ID)).toEqual([ROOT_ARN]);
    const partial = pab({
      output: { PublicAccessBlockConfiguration: { ...ALL_BLOCKED, BlockPublicPolicy: false } },
    });
    expect(flagged(await run([ID], [partial]), ID)).toEqual([ROOT_ARN]);
  });
  it("errors when the setting cannot be read", async () => {
    const out = await run([ID], [pab({ error: S3_ACCESS_DENIED })]);
    expect(resultOf(out, ID).status).toBe("error");
    expect(resultOf(out, ID).reason).toMatch(/AccessDenied/);
  });
});
