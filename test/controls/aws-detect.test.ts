/**
 * The AWS detective pack: the CIS monitoring alarms not covered by the change-management pack, log-archive
 * buckets, organization trail coverage, GuardDuty, Security Hub and EKS. For every control a passing, a
 * failing and an error case, each a small recording in the real API shapes replayed through the engine,
 * asserting the status and the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import { flagged, resultOf } from "../support/recording.js";
import {
  alarmSetup,
  archiveBucketCalls,
  type ClusterSpec,
  clusterArn,
  eksCalls,
  guardDutyCalls,
  REGIONS,
  securityHubCall,
} from "./aws-detect-support.js";
import { ACCOUNT, call, deniedException, ROOT_ARN, run, trailCalls } from "./aws-logging-support.js";

describe("CIS v5.0 4.1 / 4.2 / 4.3 / 4.6 / 4.7 alarms", () => {
  // The patterns CIS AWS Foundations v5.0 gives in its remediation, and a near miss for each.
  const CASES: { id: string; cis: string; miss: string; missing: string[] }[] = [
    {
      id: "logging.aws-alarm-unauthorized-api-calls",
      cis: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
      // misses EC2's Client.UnauthorizedOperation
      miss: '{ $.errorCode = "AccessDenied*" }',
      missing: ["unauthorized-api-call"],
    },
    {
      id: "logging.aws-alarm-console-signin-without-mfa",
      cis: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
      // counts the sign-ins WITH MFA
      miss: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }',
      missing: ["console-login-without-mfa"],
    },
    {
      id: "logging.aws-alarm-root-usage",
      cis: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
      // only root console sign-ins: API calls with root keys go unnoticed
      miss: '{ ($.userIdentity.type = "Root") && ($.eventName = "ConsoleLogin") }',
      missing: ["root-activity"],
    },
    {
      id: "logging.aws-alarm-console-auth-failures",
      cis: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
      miss: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed") }',
      missing: ["console-login-failure"],
    },
    {
      id: "logging.aws-alarm-cmk-disable-or-deletion",
      cis: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
      miss: "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }",
      missing: ["ScheduleKeyDeletion"],
    },
  ];
  for (const c of CASES) {
    describe(c.id, () => {
      it("passes with the CIS filter and an alarm notifying an SNS topic", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.cis }));
        expect(resultOf(out, c.id).status).toBe("pass");
        expect(resultOf(out, c.id).items[0]?.missing_events).toEqual([]);
      });
      it("fails on a filter that misses what it must count, and on an alarm without an action", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.miss }));
        expect(flagged(out, c.id)).toEqual([ROOT_ARN]);
        expect(resultOf(out, c.id).items[0]?.missing_events).toEqual(c.missing);
        const silent = await run([c.id], alarmSetup({ pattern: c.cis, actions: [] }));
        expect(flagged(silent, c.id)).toEqual([ROOT_ARN]);
      });
      it("errors when the metric filters cannot be read", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.cis, filtersDenied: true }));
        expect(resultOf(out, c.id).status).toBe("error");
        expect(resultOf(out, c.id).reason).toMatch(/AccessDeniedException/);
      });
    });
  }
});

const gdArn = (r: string) => `arn:aws:guardduty:${r}:${ACCOUNT}:detector`;
const shArn = (r: string) => `arn:aws:securityhub:${r}:${ACCOUNT}:hub/default`;

describe("logging.aws-guardduty-enabled-all-regions", () => {
  const ID = "logging.aws-guardduty-enabled-all-regions";
  it("passes with an enabled detector in every region", async () => {
    const out = await run([ID], [...guardDutyCalls("eu-west-1"), ...guardDutyCalls("us-east-1")], {
      regions: REGIONS,
    });
    expect(resultOf(out, ID).status).toBe("pass");
    expect(resultOf(out, ID).population).toBe(2);
  });
  it("flags the region without a detector and the region whose detector is suspended", async () => {
    const out = await run(
      [ID],
      [
        ...guardDutyCalls("eu-west-1", { detector: false }),
        ...guardDutyCalls("us-east-1", { status: "DISABLED" }),
      ],
      { regions: REGIONS },
    );
    expect(flagged(out, ID)).toEqual([gdArn("eu-west-1"), gdArn("us-east-1")]);
  });
  it("errors for exactly the region whose ListDetectors is denied; the other is still evaluated", async () => {
    const out = await run(
      [ID],
      [
        ...guardDutyCalls("eu-west-1", { listDenied: true }),
        ...guardDutyCalls("us-east-1", { status: "DISABLED" }),
      ],
      { regions: REGIONS },
    );
    const r = resultOf(out, ID);
    expect(r.status).toBe("error");
    // The denied region, and (issue 9) the region-completeness check that names it as not evaluated.
    expect(r.errors.map((e) => e.region)).toEqual(["eu-west-1", "global"]);
    expect(r.errors[1]!.message).toMatch(/not evaluated: eu-west-1/);
    expect(flagged(out, ID)).toEqual([gdArn("us-east-1")]);
  });
});

describe("logging.aws-guardduty-centrally-administered", () => {
  const ID = "logging.aws-guardduty-centrally-administered";
  it("passes for a member whose administrator relationship is Enabled, and for the administrator itself", async () => {
    const out = await run(
      [ID],
      [
        ...guardDutyCalls("eu-west-1"),
        ...guardDutyCalls("us-east-1", { administrator: null, members: ["444455556666"] }),
      ],
      { regions: REGIONS },
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("flags a standalone detector and one administered by an account other than the designated one", async () => {
    const calls = [
      ...guardDutyCalls("eu-west-1", { administrator: null }),
      ...guardDutyCalls("us-east-1", { administrator: { account: "123412341234", relationship: "Enabled" } }),
    ];
    const out = await run([ID], calls, {
      regions: REGIONS,
      params: { [ID]: { administrator_account_id: "555566667777" } },
    });
    expect(flagged(out, ID)).toEqual([gdArn("eu-west-1"), gdArn("us-east-1")]);
    // a disabled detector is the other control's exception, not in this population
    const off = await run(
      [ID],
      [
        ...guardDutyCalls("eu-west-1", { status: "DISABLED", administrator: null }),
        ...guardDutyCalls("us-east-1"),
      ],
      { regions: REGIONS },
    );
    expect(resultOf(off, ID).population).toBe(1);
    expect(resultOf(off, ID).status).toBe("pass");
  });
  it("errors when GetAdministratorAccount is denied in a region", async () => {
    const calls = guardDutyCalls("eu-west-1").map((c) =>
      c.operation === "GetAdministratorAccount"
        ? { ...c, output: undefined, ...deniedException("guardduty:GetAdministratorAccount") }
        : c,
    );
    const out = await run([ID], [...calls, ...guardDutyCalls("us-east-1")], { regions: REGIONS });
    expect(resultOf(out, ID).status).toBe("error");
    // The denied region, and (issue 9) the region-completeness check that names it as not evaluated.
    expect(resultOf(out, ID).errors.map((e) => e.region)).toEqual(["eu-west-1", "global"]);
    expect(resultOf(out, ID).errors[1]!.message).toMatch(/not evaluated: eu-west-1/);
  });
});

describe("logging.aws-securityhub-enabled", () => {
  const ID = "logging.aws-securityhub-enabled";
  it("passes when subscribed in every region", async () => {
    const out = await run(
      [ID],
      [securityHubCall("eu-west-1", "enabled"), securityHubCall("us-east-1", "enabled")],
      {
        regions: REGIONS,
      },
    );
    expect(resultOf(out, ID).status).toBe("pass");
  });
  it("flags the region that is not subscribed (a finding, not an error)", async () => {
    const out = await run(
      [ID],
      [securityHubCall("eu-west-1", "not-subscribed"), securityHubCall("us-east-1", "enabled")],
      { regions: REGIONS },
    );
    expect(resultOf(out, ID).status).toBe("fail");
    expect(flagged(out, ID)).toEqual([shArn("eu-west-1")]);
  });
  it("errors for the region where DescribeHub is denied", async () => {
    const out = await run(
      [ID],
      [securityHubCall("eu-west-1", "denied"), securityHubCall("us-east-1", "enabled")],
      {
        regions: REGIONS,
      },
    );
    expect(resultOf(out, ID).status).toBe("error");
    // The denied region, and (issue 9) the region-completeness check that names it as not evaluated.
    expect(resultOf(out, ID).errors.map((e) => e.region)).toEqual(["eu-west-1", "global"]);
    expect(resultOf(out, ID).errors[1]!.message).toMatch(/not evaluated: eu-west-1/);
  });
});

describe("log-archive buckets", () => {
  const VER = "logging.aws-log-archive-bucket-versioning";
  const LOCK = "logging.aws-log-archive-bucket-object-lock";
  const trail = trailCalls([{ name: "main", bucket: "audit-logs" }]);
  const arn = (b: string) => `arn:aws:s3:::${b}`;

  it("pass: the trail's bucket is versioned and locked in COMPLIANCE mode for 7 years", async () => {
    const out = await run([VER, LOCK], [...trail, ...archiveBucketCalls("audit-logs")]);
    expect(resultOf(out, VER).status).toBe("pass");
    expect(resultOf(out, LOCK).status).toBe("pass");
    expect(resultOf(out, LOCK).items[0]?.default_retention_days).toBe(2555);
  });

  it("fail: exactly the buckets that miss versioning, Object Lock, COMPLIANCE mode or the retention", async () => {
    const calls = [
      ...trailCalls([
        { name: "main", bucket: "audit-logs" },
        { name: "legacy", multiRegion: false, bucket: "legacy-logs" },
      ]),
      ...archiveBucketCalls("audit-logs", { lock: { mode: "GOVERNANCE", years: 7 } }),
      ...archiveBucketCalls("legacy-logs", { versioning: null, lock: null }),
      // named by the auditor: the Config archive, locked for only one year
      ...archiveBucketCalls("config-archive", {
        versioning: "Suspended",
        lock: { mode: "COMPLIANCE", days: 365 },
      }),
      ...archiveBucketCalls("flow-archive", { lock: "enabled-no-rule" }),
    ];
    const params = { log_archive_buckets: ["config-archive", "flow-archive"] };
    const out = await run([VER, LOCK], calls, { params: { [VER]: params, [LOCK]: params } });
    expect(flagged(out, VER)).toEqual([arn("config-archive"), arn("legacy-logs")]);
    expect(flagged(out, LOCK)).toEqual([
      arn("audit-logs"),
      arn("config-archive"),
      arn("flow-archive"),
      arn("legacy-logs"),
    ]);
    const sources = Object.fromEntries(resultOf(out, LOCK).items.map((i) => [i.bucket, i.sources]));
    expect(sources).toEqual({
      "audit-logs": ["trail:main"],
      "config-archive": ["params"],
      "flow-archive": ["params"],
      "legacy-logs": ["trail:legacy"],
    });
    // a shorter retention accepted through params is a deviation the report shows
    const relaxed = await run(
      [LOCK],
      [...trail, ...archiveBucketCalls("audit-logs", { lock: { mode: "COMPLIANCE", days: 400 } })],
      {
        params: { [LOCK]: { min_retention_days: 365 } },
      },
    );
    expect(resultOf(relaxed, LOCK).status).toBe("pass");
    expect(resultOf(relaxed, LOCK).params.overridden).toEqual(["min_retention_days"]);
  });

  it("error: a bucket owned by another account (AccessDenied) is an error naming it, never a verdict", async () => {
    const out = await run(
      [VER, LOCK],
      [...trail, ...archiveBucketCalls("audit-logs", { locationDenied: true })],
    );
    for (const id of [VER, LOCK]) {
      expect(resultOf(out, id).status).toBe("error");
      expect(resultOf(out, id).reason).toContain("log-archive bucket audit-logs (trail:main)");
      expect(resultOf(out, id).reason).toContain("another (log-archive) account");
    }
  });

  it("asks a trail bucket's region once for the trail-bucket and the log-archive controls together", async () => {
    const PAB = "logging.aws-cloudtrail-bucket-public-access-blocked";
    const calls = [
      ...trail,
      ...archiveBucketCalls("audit-logs"),
      call("S3", "GetPublicAccessBlock", { output: {} }, { Bucket: "audit-logs" }, "eu-west-1"),
      call("S3", "GetBucketLogging", { output: {} }, { Bucket: "audit-logs" }, "eu-west-1"),
    ];
    const out = await run([VER, PAB], calls);
    expect(resultOf(out, VER).status).toBe("pass");
    expect(resultOf(out, PAB).status).toBe("fail");
    expect(out.calls.filter((c) => c.operation === "GetBucketLocation")).toHaveLength(1);
  });

  it("fail: no trail and no named bucket is an empty population, which this control does not accept", async () => {
    const out = await run([LOCK], trailCalls([]));
    expect(resultOf(out, LOCK).status).toBe("fail");
  });
});

describe("EKS", () => {
  const LOGS = "logging.aws-eks-control-plane-audit-logs";
  const MODE = "access.aws-eks-access-entries-api";
  const ADMINS = "access.aws-eks-cluster-admins-approved";
  const PLATFORM = `arn:aws:iam::${ACCOUNT}:role/eks-platform-admins`;
  const CREATOR = `arn:aws:iam::${ACCOUNT}:role/terraform-deployer`;
  const DEV = `arn:aws:iam::${ACCOUNT}:role/developer`;

  it("logging: passes when every cluster logs audit and authenticator; fails on the exact clusters that do not", async () => {
    const ok = await run(
      [LOGS],
      eksCalls([{ name: "payments" }, { name: "web", logTypes: ALL_LOG_TYPES_FOR_TEST }]),
    );
    expect(resultOf(ok, LOGS).status).toBe("pass");
    const out = await run(
      [LOGS],
      eksCalls([
        { name: "payments" },
        { name: "web", logTypes: ["api", "audit"] },
        { name: "batch", logTypes: [] },
      ]),
    );
    expect(flagged(out, LOGS)).toEqual([clusterArn("batch"), clusterArn("web")]);
    expect(resultOf(out, LOGS).findings.find((f) => f.resource === clusterArn("web"))?.message).toContain(
      "sends only api, audit of the required log types audit, authenticator",
    );
  });

  it("logging: no cluster in scope is not applicable; a denied DescribeCluster is error for that region", async () => {
    expect(resultOf(await run([LOGS], eksCalls([])), LOGS).status).toBe("not_applicable");
    const calls = eksCalls([{ name: "payments" }]).map((c) =>
      c.operation === "DescribeCluster"
        ? { ...c, output: undefined, ...deniedException("eks:DescribeCluster") }
        : c,
    );
    const out = await run([LOGS], calls);
    expect(resultOf(out, LOGS).status).toBe("error");
    expect(resultOf(out, LOGS).reason).toMatch(/eks:DescribeCluster/);
  });

  it("access-entry API: flags the CONFIG_MAP cluster and the one without accessConfig; [API] alone is stricter", async () => {
    const calls = eksCalls([
      { name: "payments", mode: "API" },
      { name: "web", mode: "API_AND_CONFIG_MAP" },
      { name: "legacy", mode: null },
      { name: "batch", mode: "CONFIG_MAP" },
    ]);
    const out = await run([MODE], calls);
    expect(flagged(out, MODE)).toEqual([clusterArn("batch"), clusterArn("legacy")]);
    const strict = await run([MODE], calls, { params: { [MODE]: { allowed_modes: ["API"] } } });
    expect(flagged(strict, MODE)).toEqual([clusterArn("batch"), clusterArn("legacy"), clusterArn("web")]);
    const pass = await run([MODE], eksCalls([{ name: "payments", mode: "API" }]));
    expect(resultOf(pass, MODE).status).toBe("pass");
  });

  it("access-entry API: errors when ListClusters is denied", async () => {
    const out = await run([MODE], [call("EKS", "ListClusters", deniedException("eks:ListClusters"))]);
    expect(resultOf(out, MODE).status).toBe("error");
  });

  const clusters: ClusterSpec[] = [
    {
      name: "payments",
      entries: {
        [PLATFORM]: ["AmazonEKSClusterAdminPolicy"],
        [CREATOR]: ["AmazonEKSClusterAdminPolicy"],
        [DEV]: ["AmazonEKSViewPolicy", "ns:AmazonEKSAdminPolicy"],
      },
    },
    { name: "web", mode: "API_AND_CONFIG_MAP", entries: { [DEV]: ["AmazonEKSClusterAdminPolicy"] } },
    { name: "legacy", mode: "CONFIG_MAP" },
  ];

  it("cluster admins: flags exactly the unapproved cluster-admin entries (namespace-scoped admin is not cluster admin)", async () => {
    const out = await run([ADMINS], eksCalls(clusters, { withEntries: true }), {
      params: { [ADMINS]: { approved_cluster_admins: [PLATFORM] } },
    });
    expect(flagged(out, ADMINS)).toEqual([
      `${clusterArn("payments")}/${CREATOR}`,
      `${clusterArn("web")}/${DEV}`,
    ]);
    expect(resultOf(out, ADMINS).population).toBe(3);
  });

  it("cluster admins: passes when every cluster admin is approved", async () => {
    const out = await run([ADMINS], eksCalls(clusters, { withEntries: true }), {
      params: { [ADMINS]: { approved_cluster_admins: [PLATFORM, CREATOR, DEV] } },
    });
    expect(resultOf(out, ADMINS).status).toBe("pass");
  });

  it("a denied ListAccessEntries makes exactly the admin control error; logging and mode are still evaluated", async () => {
    const out = await run(
      [ADMINS, LOGS, MODE],
      eksCalls(clusters, { withEntries: true, entriesDenied: "web" }),
      {
        params: { [ADMINS]: { approved_cluster_admins: [PLATFORM] } },
      },
    );
    expect(resultOf(out, ADMINS).status).toBe("error");
    expect(resultOf(out, ADMINS).reason).toMatch(/eks:ListAccessEntries/);
    expect(resultOf(out, LOGS).status).toBe("pass");
    expect(flagged(out, MODE)).toEqual([clusterArn("legacy")]);
  });
});

const ALL_LOG_TYPES_FOR_TEST = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
