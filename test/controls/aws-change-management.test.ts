/**
 * The AWS change-management pack (except the IAM segregation-of-duties control, tested with the access
 * pack): for every control a passing, a failing and an error case, each a small recording in the real API
 * shapes replayed through the engine, asserting the status and the exact resources flagged.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { flagged, resultOf } from "../support/recording.js";
import {
  ACCOUNT,
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

describe("change-management.aws-config-recorder-all-regions", () => {
  const ID = "change-management.aws-config-recorder-all-regions";
  const recorder = (o: {
    name?: string;
    allSupported?: boolean;
    global?: boolean;
    servicePrincipal?: string;
  }) => ({
    arn: `arn:aws:config:${REGION}:${ACCOUNT}:configuration-recorder/${o.name ?? "default"}/6f3a0c1e9b2d4e58`,
    name: o.name ?? "default",
    roleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    recordingGroup: {
      allSupported: o.allSupported ?? true,
      includeGlobalResourceTypes: o.global ?? true,
      resourceTypes: [],
      exclusionByResourceTypes: { resourceTypes: [] },
      recordingStrategy: {
        useOnly: o.allSupported === false ? "INCLUSION_BY_RESOURCE_TYPES" : "ALL_SUPPORTED_RESOURCE_TYPES",
      },
    },
    recordingMode: { recordingFrequency: "CONTINUOUS", recordingModeOverrides: [] },
    ...(o.servicePrincipal
      ? { servicePrincipal: o.servicePrincipal, recordingScope: "INTERNAL" }
      : { recordingScope: "PAID" }),
  });
  const status = (name: string, recording: boolean) => ({
    arn: `arn:aws:config:${REGION}:${ACCOUNT}:configuration-recorder/${name}/6f3a0c1e9b2d4e58`,
    name,
    lastStartTime: "2024-02-01T10:00:00.000Z",
    recording,
    lastStatus: "SUCCESS",
    lastStatusChangeTime: "2026-11-20T08:40:00.000Z",
  });
  const calls = (recorders: unknown[], statuses: unknown[], channels = 1): CallSpec[] => [
    call("ConfigService", "DescribeConfigurationRecorders", {
      output: { ConfigurationRecorders: recorders },
    }),
    call("ConfigService", "DescribeConfigurationRecorderStatus", {
      output: { ConfigurationRecordersStatus: statuses },
    }),
    call("ConfigService", "DescribeDeliveryChannels", {
      output: {
        DeliveryChannels: Array.from({ length: channels }, () => ({
          name: "default",
          s3BucketName: "config-history",
        })),
      },
    }),
  ];
  const REGION_ARN = `arn:aws:config:${REGION}:${ACCOUNT}:recorder`;

  it("passes: recording all supported types, global ones included, with a delivery channel", async () => {
    const out = await run([ID], calls([recorder({})], [status("default", true)]));
    expect(resultOf(out, ID).status).toBe("pass");
  });

  it("fails: the recorder is stopped", async () => {
    const out = await run([ID], calls([recorder({})], [status("default", false)]));
    expect(resultOf(out, ID).status).toBe("fail");
    expect(flagged(out, ID)).toEqual([REGION_ARN, ACCOUNT_RESOURCE]);
  });

  it("fails: only a service-linked recorder (it does not count as the region's recorder)", async () => {
    const slr = recorder({
      name: "AWSConfigurationRecorderForSecurityHub",
      allSupported: false,
      global: false,
      servicePrincipal: "securityhub.amazonaws.com",
    });
    const out = await run([ID], calls([slr], [status("AWSConfigurationRecorderForSecurityHub", true)], 0));
    expect(flagged(out, ID)).toEqual([REGION_ARN, ACCOUNT_RESOURCE]);
    expect(resultOf(out, ID).findings.find((f) => f.resource === REGION_ARN)?.message).toContain(
      `no AWS Config recorder in ${REGION}`,
    );
  });

  it("fails: a recorder limited to an inclusion list of resource types", async () => {
    const out = await run([ID], calls([recorder({ allSupported: false })], [status("default", true)]));
    expect(flagged(out, ID)).toEqual([REGION_ARN]);
  });

  it("errors when Config may not be read", async () => {
    const out = await run(
      [ID],
      [
        call(
          "ConfigService",
          "DescribeConfigurationRecorders",
          deniedException("config:DescribeConfigurationRecorders"),
        ),
        ...calls([], []).slice(1),
      ],
    );
    expect(resultOf(out, ID).status).toBe("error");
    expect(resultOf(out, ID).reason).toMatch(/AccessDeniedException/);
  });
});

describe("change-management.aws-cloudtrail-management-write-events", () => {
  const ID = "change-management.aws-cloudtrail-management-write-events";
  const advanced = (readOnly?: string[]) => ({
    AdvancedEventSelectors: [
      {
        Name: "Management events",
        FieldSelectors: [
          { Field: "eventCategory", Equals: ["Management"] },
          ...(readOnly ? [{ Field: "readOnly", Equals: readOnly }] : []),
        ],
      },
    ],
  });

  it("passes on an organization trail owned by the management account, seen from a member account", async () => {
    const org: TrailSpec = { name: "org-trail", owner: OTHER, org: true, selectors: advanced(["false"]) };
    const out = await run([ID], trailCalls([org]));
    const r = resultOf(out, ID);
    expect(r.status).toBe("pass");
    expect(r.items[0]).toMatchObject({
      owned_by_account: false,
      management_writes: true,
      management_reads: false,
    });
  });

  it("fails when the only trail records read-only management events (advanced selector readOnly = true)", async () => {
    const out = await run([ID], trailCalls([{ name: "reads-only", selectors: advanced(["true"]) }]));
    expect(resultOf(out, ID).status).toBe("fail");
    expect(flagged(out, ID)).toEqual([ACCOUNT_RESOURCE]);
  });

  it("fails when the write events of an event source are excluded, or the trail is single-region", async () => {
    const excluded = {
      EventSelectors: [
        {
          ReadWriteType: "All",
          IncludeManagementEvents: true,
          DataResources: [],
          ExcludeManagementEventSources: ["kms.amazonaws.com"],
        },
      ],
    };
    const out = await run(
      [ID],
      trailCalls([
        { name: "no-kms", selectors: excluded },
        { name: "regional", multiRegion: false },
      ]),
    );
    expect(flagged(out, ID)).toEqual([ACCOUNT_RESOURCE]);
  });

  it("errors, naming the owner, when the status of an organization trail cannot be read", async () => {
    const org: TrailSpec = { name: "org-trail", owner: OTHER, org: true };
    const out = await run(
      [ID],
      trailCalls([org], {
        statusError: {
          name: "TrailNotFoundException",
          message: `Unknown trail: ${trailArn(org)} for the user: ${ACCOUNT}`,
          fault: "client",
          httpStatusCode: 400,
        },
      }),
    );
    const r = resultOf(out, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toContain(`organization trail owned by account ${OTHER}`);
    expect(r.reason).toContain("TrailNotFoundException");
  });
});

describe("change-management CIS metric-filter-and-alarm controls", () => {
  const ALARM_CONTROLS = [
    "iam-policy-changes",
    "cloudtrail-config-changes",
    "config-changes",
    "s3-bucket-policy-changes",
    "security-group-changes",
    "nacl-changes",
    "network-gateway-changes",
    "route-table-changes",
    "vpc-changes",
    "organizations-changes",
  ];
  const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:security-alerts`;

  function setup(o: {
    pattern: string;
    actions?: string[];
    trail?: TrailSpec;
    filtersDenied?: boolean;
  }): CallSpec[] {
    const trail = o.trail ?? { name: "main", logGroup: "cloudtrail" };
    return [
      ...trailCalls([trail]),
      call(
        "CloudWatchLogs",
        "DescribeMetricFilters",
        o.filtersDenied
          ? deniedException("logs:DescribeMetricFilters")
          : {
              output: {
                metricFilters: [
                  {
                    filterName: "ChangeMonitor",
                    filterPattern: o.pattern,
                    metricTransformations: [
                      { metricName: "ChangeCount", metricNamespace: "CISBenchmark", metricValue: "1" },
                    ],
                    creationTime: 1700000000000,
                    logGroupName: "cloudtrail",
                  },
                ],
              },
            },
      ),
      call(
        "CloudWatch",
        "DescribeAlarms",
        {
          output: {
            MetricAlarms: [
              {
                AlarmName: "ChangeAlarm",
                AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:ChangeAlarm`,
                ActionsEnabled: true,
                OKActions: [],
                AlarmActions: o.actions ?? [TOPIC],
                InsufficientDataActions: [],
                StateValue: "OK",
                MetricName: "ChangeCount",
                Namespace: "CISBenchmark",
                Statistic: "Sum",
                Dimensions: [],
                Period: 300,
                EvaluationPeriods: 1,
                Threshold: 1,
                ComparisonOperator: "GreaterThanOrEqualToThreshold",
              },
            ],
            CompositeAlarms: [],
          },
        },
        { AlarmTypes: ["MetricAlarm"] },
      ),
    ];
  }

  for (const slug of ALARM_CONTROLS) {
    const ID = `change-management.aws-alarm-${slug}`;
    const def = parse(readFileSync(join("controls", "change-management", `aws-alarm-${slug}.yaml`), "utf8"));
    const source: string = def.query_params.event_source;
    const names: string[] = def.query_params.event_names;
    const cisPattern = (list: string[]) =>
      `{ ($.eventSource = ${source}) && (${list.map((n) => `($.eventName = ${n})`).join(" || ")}) }`;

    describe(ID, () => {
      it("passes: a filter matching every required event, with an alarm notifying an SNS topic", async () => {
        const out = await run([ID], setup({ pattern: cisPattern(names) }));
        const r = resultOf(out, ID);
        expect(r.status).toBe("pass");
        expect(r.items[0]?.covered_events).toEqual(names);
      });

      it("fails on the exact events a filter misses, and when the alarm has no action", async () => {
        const out = await run([ID], setup({ pattern: cisPattern(names.slice(0, -1)) }));
        expect(flagged(out, ID)).toEqual([ROOT_ARN]);
        expect(resultOf(out, ID).items[0]?.missing_events).toEqual([names.at(-1)]);
        const silent = await run([ID], setup({ pattern: cisPattern(names), actions: [] }));
        expect(flagged(silent, ID)).toEqual([ROOT_ARN]);
        expect(resultOf(silent, ID).items[0]?.missing_events).toEqual(names);
      });

      it("errors when the metric filters cannot be read", async () => {
        const out = await run([ID], setup({ pattern: cisPattern(names), filtersDenied: true }));
        expect(resultOf(out, ID).status).toBe("error");
        expect(resultOf(out, ID).reason).toMatch(/AccessDeniedException/);
      });
    });
  }

  it("matches by evaluating the pattern, not by its text: a mis-cased event name is a miss", async () => {
    const ID = "change-management.aws-alarm-vpc-changes";
    const out = await run(
      [ID],
      setup({ pattern: "{ ($.eventName = CreateVPC) || ($.eventName = DeleteVpc) }" }),
    );
    expect(resultOf(out, ID).items[0]?.covered_events).toEqual(["DeleteVpc"]);
  });

  it("fails when no multi-region logging trail delivers to CloudWatch Logs", async () => {
    const ID = "change-management.aws-alarm-iam-policy-changes";
    const out = await run([ID], trailCalls([{ name: "main", logGroup: null }]));
    expect(flagged(out, ID)).toEqual([ROOT_ARN]);
    expect(resultOf(out, ID).findings[0]?.message).toContain("no multi-region trail");
  });

  it("errors (not fails) for a member account whose organization trail writes to another account's log group", async () => {
    const ID = "change-management.aws-alarm-cloudtrail-config-changes";
    const org: TrailSpec = { name: "org-trail", owner: OTHER, org: true, logGroup: "org-cloudtrail" };
    const out = await run([ID], trailCalls([org]));
    const r = resultOf(out, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toContain(`arn:aws:logs:${REGION}:${OTHER}:log-group:org-cloudtrail`);
    expect(r.reason).toContain("in another account");
  });
});

describe("change-management.aws-scp-protects-audit-logging", () => {
  const ID = "change-management.aws-scp-protects-audit-logging";
  const ORG_ID = "o-a1b2c3d4e5";
  const ORG_ARN = `arn:aws:organizations::${ACCOUNT}:organization/${ORG_ID}`;
  const ROOT = {
    TargetId: "r-a1b2",
    Arn: `arn:aws:organizations::${ACCOUNT}:root/${ORG_ID}/r-a1b2`,
    Name: "Root",
    Type: "ROOT",
  };
  const OU = {
    TargetId: "ou-a1b2-w1",
    Arn: `arn:aws:organizations::${ACCOUNT}:ou/${ORG_ID}/ou-a1b2-w1`,
    Name: "Workloads",
    Type: "ORGANIZATIONAL_UNIT",
  };
  const org = (management = ACCOUNT) =>
    call("Organizations", "DescribeOrganization", {
      output: {
        Organization: {
          Id: ORG_ID,
          Arn: ORG_ARN,
          FeatureSet: "ALL",
          MasterAccountArn: `arn:aws:organizations::${management}:account/${ORG_ID}/${management}`,
          MasterAccountId: management,
          MasterAccountEmail: "aws@example.com",
        },
      },
    });
  const roots = () =>
    call("Organizations", "ListRoots", {
      output: {
        Roots: [
          {
            Id: "r-a1b2",
            Arn: ROOT.Arn,
            Name: "Root",
            PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
          },
        ],
      },
    });
  const guard = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Deny",
        Action: [
          "cloudtrail:StopLogging",
          "cloudtrail:DeleteTrail",
          "cloudtrail:UpdateTrail",
          "config:Stop*",
          "config:Delete*",
        ],
        Resource: "*",
        Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass" } },
      },
    ],
  };
  const policies = (target: typeof ROOT): CallSpec[] => {
    const summary = {
      Id: "p-guard001",
      Arn: `arn:aws:organizations::${ACCOUNT}:policy/${ORG_ID}/service_control_policy/p-guard001`,
      Name: "ProtectAuditLogging",
      Description: "",
      Type: "SERVICE_CONTROL_POLICY",
      AwsManaged: false,
    };
    return [
      call(
        "Organizations",
        "ListPolicies",
        { output: { Policies: [summary] } },
        { Filter: "SERVICE_CONTROL_POLICY" },
      ),
      call(
        "Organizations",
        "DescribePolicy",
        { output: { Policy: { PolicySummary: summary, Content: JSON.stringify(guard) } } },
        { PolicyId: "p-guard001" },
      ),
      call(
        "Organizations",
        "ListTargetsForPolicy",
        { output: { Targets: [target] } },
        { PolicyId: "p-guard001" },
      ),
    ];
  };

  it("passes: a root-attached SCP denies every listed action (wildcards count, conditions are reported)", async () => {
    const out = await run([ID], [org(), roots(), ...policies(ROOT)]);
    const r = resultOf(out, ID);
    expect(r.status).toBe("pass");
    expect(r.items[0]?.policies).toEqual([
      expect.objectContaining({ attached_to_root: true, conditional: true }),
    ]);
  });

  it("fails: the same SCP attached only to an OU protects no account outside it", async () => {
    const out = await run([ID], [org(), roots(), ...policies(OU)]);
    expect(flagged(out, ID)).toEqual([ORG_ARN]);
  });

  it("fails for an account in no organization, or is not applicable with require_organization false", async () => {
    const none = call("Organizations", "DescribeOrganization", {
      error: {
        name: "AWSOrganizationsNotInUseException",
        message: "Your account is not a member of an organization.",
        fault: "client",
        httpStatusCode: 400,
      },
    });
    const out = await run([ID], [none]);
    expect(flagged(out, ID)).toEqual([ROOT_ARN]);
    const na = await run([ID], [none], { params: { [ID]: { require_organization: false } } });
    expect(resultOf(na, ID).status).toBe("not_applicable");
  });

  it("errors for a member account, saying to run it from the management account", async () => {
    const out = await run(
      [ID],
      [
        org(OTHER),
        call("Organizations", "ListRoots", {
          error: {
            name: "AccessDeniedException",
            message: "You don't have permissions to access this resource.",
            fault: "client",
            httpStatusCode: 400,
          },
        }),
      ],
    );
    const r = resultOf(out, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toContain(`from the management account ${OTHER}`);
  });
});

describe("change-management.aws-codepipeline-production-approval", () => {
  const ID = "change-management.aws-codepipeline-production-approval";
  type A = [string, string, string, number?];
  const pipeline = (name: string, stages: [string, A[]][]) => ({
    pipeline: {
      name,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/pipeline`,
      artifactStore: { type: "S3", location: "artifacts" },
      stages: stages.map(([stageName, actions]) => ({
        name: stageName,
        actions: actions.map(([n, category, provider, runOrder]) => ({
          name: n,
          actionTypeId: { category, owner: "AWS", provider, version: "1" },
          runOrder: runOrder ?? 1,
          configuration: {},
          inputArtifacts: [],
          outputArtifacts: [],
        })),
      })),
      version: 1,
      pipelineType: "V2",
    },
    metadata: {
      pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:${name}`,
      created: "2025-01-01T00:00:00.000Z",
      updated: "2026-01-01T00:00:00.000Z",
    },
  });
  const calls = (list: ReturnType<typeof pipeline>[]): CallSpec[] => [
    call("CodePipeline", "ListPipelines", {
      output: {
        pipelines: list.map((p) => ({
          name: p.pipeline.name,
          version: 1,
          pipelineType: "V2",
          created: "2025-01-01T00:00:00.000Z",
          updated: "2026-01-01T00:00:00.000Z",
        })),
      },
    }),
    ...list.map((p) => call("CodePipeline", "GetPipeline", { output: p }, { name: p.pipeline.name })),
  ];
  const SRC: [string, A[]] = ["Source", [["Src", "Source", "CodeStarSourceConnection"]]];
  const approvedStage = pipeline("api", [
    SRC,
    ["Approve", [["CAB", "Approval", "Manual"]]],
    ["Deploy-Prod", [["Ecs", "Deploy", "ECS"]]],
  ]);
  const approvedInStage = pipeline("site", [
    SRC,
    [
      "Production",
      [
        ["CAB", "Approval", "Manual", 1],
        ["S3", "Deploy", "S3", 2],
      ],
    ],
  ]);
  const unapproved = pipeline("web", [
    SRC,
    ["Deploy-Staging", [["S3", "Deploy", "S3"]]],
    ["Deploy-PROD", [["S3", "Deploy", "S3"]]],
  ]);
  const devOnly = pipeline("etl", [SRC, ["Deploy-Dev", [["Cfn", "Deploy", "CloudFormation"]]]]);

  it("passes: approval in an earlier stage, or earlier in the production stage", async () => {
    const out = await run([ID], calls([approvedStage, approvedInStage, devOnly]));
    const r = resultOf(out, ID);
    expect(r.status).toBe("pass");
    expect(r.population).toBe(2);
  });

  it("fails the pipeline that deploys to production without an approval (stage names matched case-insensitively)", async () => {
    const out = await run([ID], calls([approvedStage, unapproved, devOnly]));
    expect(flagged(out, ID)).toEqual([`arn:aws:codepipeline:${REGION}:${ACCOUNT}:web`]);
  });

  it("is not applicable when no pipeline deploys to a production stage, per the stage-name param", async () => {
    const out = await run([ID], calls([unapproved]), {
      params: { [ID]: { production_stage_pattern: "^live$" } },
    });
    expect(resultOf(out, ID).status).toBe("not_applicable");
  });

  it("errors when pipelines may not be listed", async () => {
    const out = await run(
      [ID],
      [call("CodePipeline", "ListPipelines", deniedException("codepipeline:ListPipelines"))],
    );
    expect(resultOf(out, ID).status).toBe("error");
  });
});
