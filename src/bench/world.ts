/**
 * A synthetic AWS organization for the benchmark, and the answers its APIs give: a table of generators per
 * `Service:Operation`, each deriving the answer from (account, region, input) in the shapes the real APIs
 * return (SDK v3 member names, ISO times, base64 blobs — the same conventions as fixtures/lib/aws.ts, which
 * src/ cannot import). Every operation any registered AWS query calls needs a generator here; a missing one
 * is an error naming the operation, so the benchmark never silently drops a control.
 */
import { createHash } from "node:crypto";
import { DEFAULT_REGIONS } from "../providers/aws/regions.js";
import type { RecordedCall, RecordedError } from "../recording/format.js";
import type { CallKey } from "../recording/store.js";
import {
  DEFAULT_IDENTITY,
  describeBenchKey,
  IDENTITY_GENERATORS,
  type IdentityWorld,
} from "./world-identity.js";

export interface World {
  /** The caller's account: the management account in an organization. */
  caller: string;
  /** Accounts in scope (the caller's first). */
  accounts: string[];
  org: boolean;
  regions: string[];
  homeRegion: string;
  /** IAM users per account. */
  users: number;
  recordedAt: string;
  /** CloudTrail write events per account-region over the period (event scenarios; default 0). */
  events?: number;
  /** Identity Center and KMS keys (world-identity.ts). */
  identity: IdentityWorld;
}

export function makeWorld(o: {
  accounts: number;
  users: number;
  org: boolean;
  regions?: number;
  events?: number;
  identity?: Partial<IdentityWorld>;
}): World {
  const ids = Array.from({ length: o.accounts }, (_, i) =>
    String(100000000000 + i * 7919 + 11).padStart(12, "0"),
  );
  return {
    caller: ids[0]!,
    accounts: ids,
    org: o.org,
    regions: DEFAULT_REGIONS.slice(0, o.regions ?? DEFAULT_REGIONS.length),
    homeRegion: "us-east-1",
    users: o.users,
    recordedAt: "2026-11-20T09:00:00.000Z",
    ...(o.events ? { events: o.events } : {}),
    identity: { ...DEFAULT_IDENTITY, ...o.identity },
  };
}

type Answer = { output: Record<string, unknown> } | { error: RecordedError };
interface Ask {
  w: World;
  account: string;
  region: string;
  input: Record<string, unknown>;
}
type Generator = (a: Ask) => Answer;

const ok = (output: Record<string, unknown>): Answer => ({ output });
const fail = (name: string, message: string, httpStatusCode = 400): Answer => ({
  error: { name, message, fault: "client", httpStatusCode },
});

function hex(s: string, n = 8): string {
  return createHash("sha256").update(s).digest("hex").slice(0, n);
}

/**
 * `n` hex digits of FNV-1a (32-bit rounds, each seeded from the last) of `s`: the ids of the synthetic
 * CloudTrail events, which the events endpoint makes a million times a run (a sha256 each was ≈ 5 µs, on the
 * cores the measured run needs). Not a digest of anything: the ids only need to look like ids and be stable.
 */
export function eventHex(s: string, n: number): string {
  let out = "";
  let seed = 0x811c9dc5;
  while (out.length < n) {
    let h = seed;
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, "0");
    seed = Math.imul(h ^ 0x9e3779b9, 0x01000193);
  }
  return out.slice(0, n);
}

function daysBefore(w: World, days: number): string {
  return new Date(Date.parse(w.recordedAt) - days * 86_400_000).toISOString();
}

/** Page `items` by an opaque marker, as the AWS list APIs do. */
function paged<T>(items: T[], marker: unknown, size: number): { page: T[]; next?: string } {
  const start = typeof marker === "string" ? Number(marker.replace(/^p/, "")) : 0;
  const page = items.slice(start, start + size);
  return start + size < items.length ? { page, next: `p${start + size}` } : { page };
}

const TRAIL = (w: World, a: string) => `arn:aws:cloudtrail:${w.homeRegion}:${a}:trail/audit-trail`;
const TRAIL_KEY = (w: World, a: string) =>
  `arn:aws:kms:${w.homeRegion}:${a}:key/${hex(`key${a}`, 8)}-1111-2222-3333-${hex(a, 12)}`;
const TRAIL_LOG_GROUP = (w: World, a: string) => `arn:aws:logs:${w.homeRegion}:${a}:log-group:audit-trail`;
const TRAIL_BUCKET = (a: string) => `audit-trail-logs-${a}`;
const userName = (i: number) => `user${String(i).padStart(5, "0")}`;

const CREDENTIAL_REPORT_HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

function reportTime(w: World, days: number): string {
  return daysBefore(w, days).replace(/\.\d{3}Z$/, "+00:00");
}

function credentialReport(w: World, a: string): string {
  const lines = [CREDENTIAL_REPORT_HEADER];
  const t = (d: number) => reportTime(w, d);
  lines.push(
    `<root_account>,arn:aws:iam::${a}:root,${t(900)},not_supported,${t(200)},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  );
  for (let i = 0; i < w.users; i++) {
    const console = i % 3 !== 0;
    const mfa = i % 17 !== 0;
    const key = i % 4 === 0;
    const keyAge = (i * 13) % 200;
    lines.push(
      [
        userName(i),
        `arn:aws:iam::${a}:user/${userName(i)}`,
        t(400 + (i % 300)),
        console,
        console ? t(i % 40) : "N/A",
        console ? t(30 + (i % 60)) : "N/A",
        "N/A",
        console && mfa,
        key,
        key ? t(keyAge) : "N/A",
        key ? t(i % 20) : "N/A",
        key ? "us-east-1" : "N/A",
        key ? "s3" : "N/A",
        "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

const doc = (o: unknown) => encodeURIComponent(JSON.stringify(o));
const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";
const READONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess";

function authorizationItems(w: World, a: string): { kind: string; item: Record<string, unknown> }[] {
  const items: { kind: string; item: Record<string, unknown> }[] = [];
  for (let i = 0; i < w.users; i++) {
    items.push({
      kind: "UserDetailList",
      item: {
        Path: "/",
        UserName: userName(i),
        UserId: `AIDA${hex(`${a}u${i}`, 16).toUpperCase()}`,
        Arn: `arn:aws:iam::${a}:user/${userName(i)}`,
        CreateDate: daysBefore(w, 400 + (i % 300)),
        UserPolicyList: [],
        GroupList: [i % 50 === 0 ? "Admins" : "Developers"],
        AttachedManagedPolicies: [],
        Tags: [],
      },
    });
  }
  const trust = doc({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${w.caller}:root` }, Action: "sts:AssumeRole" },
    ],
  });
  // The central account also holds the role the run itself acts as (the principal completeness check).
  const roles: (readonly [string, string])[] = [
    ...(a === w.caller ? [["ITGCAuditCentral", READONLY_POLICY] as const] : []),
    ["ITGCAuditReadOnly", READONLY_POLICY],
    ["OrganizationAccountAccessRole", ADMIN_POLICY],
    ["deploy-pipeline", ADMIN_POLICY],
  ];
  for (const [name, policy] of roles) {
    items.push({
      kind: "RoleDetailList",
      item: {
        Path: "/",
        RoleName: name,
        RoleId: `AROA${hex(`${a}${name}`, 16).toUpperCase()}`,
        Arn: `arn:aws:iam::${a}:role/${name}`,
        CreateDate: daysBefore(w, 500),
        AssumeRolePolicyDocument: trust,
        InstanceProfileList: [],
        RolePolicyList: [],
        AttachedManagedPolicies: [{ PolicyName: policy.split("/").pop(), PolicyArn: policy }],
        Tags: [],
        RoleLastUsed: { LastUsedDate: daysBefore(w, 2), Region: "us-east-1" },
      },
    });
  }
  for (const [name, policy] of [
    ["Admins", ADMIN_POLICY],
    ["Developers", READONLY_POLICY],
  ] as const) {
    items.push({
      kind: "GroupDetailList",
      item: {
        Path: "/",
        GroupName: name,
        GroupId: `AGPA${hex(`${a}${name}`, 16).toUpperCase()}`,
        Arn: `arn:aws:iam::${a}:group/${name}`,
        CreateDate: daysBefore(w, 600),
        GroupPolicyList: [],
        AttachedManagedPolicies: [{ PolicyName: policy.split("/").pop(), PolicyArn: policy }],
      },
    });
  }
  for (const [arn, action] of [
    [ADMIN_POLICY, "*"],
    [READONLY_POLICY, ["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*"]],
  ] as const) {
    items.push({
      kind: "Policies",
      item: {
        PolicyName: arn.split("/").pop(),
        PolicyId: `ANPA${hex(arn, 16).toUpperCase()}`,
        Arn: arn,
        Path: "/",
        DefaultVersionId: "v1",
        AttachmentCount: 3,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        CreateDate: "2015-02-06T18:39:46Z",
        UpdateDate: "2015-02-06T18:39:46Z",
        PolicyVersionList: [
          {
            Document: doc({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
            }),
            VersionId: "v1",
            IsDefaultVersion: true,
            CreateDate: "2015-02-06T18:39:46Z",
          },
        ],
      },
    });
  }
  return items;
}

const authCache = new Map<string, ReturnType<typeof authorizationItems>>();

const SCP_GUARDRAILS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ProtectAuditTrail",
      Effect: "Deny",
      Action: [
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        "config:StopConfigurationRecorder",
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "organizations:LeaveOrganization",
      ],
      Resource: "*",
    },
  ],
});

const CIS_PATTERN =
  "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";

/** The table: one generator per Service:Operation. */
export const GENERATORS: Record<string, Generator> = {
  "STS:GetCallerIdentity": ({ w }) =>
    ok({
      UserId: "AROAEXAMPLEAUDITCENTRAL:itgc-validate",
      Account: w.caller,
      Arn: `arn:aws:sts::${w.caller}:assumed-role/ITGCAuditCentral/itgc-validate`,
    }),
  "STS:AssumeRole": ({ w, input }) => {
    const roleArn = String(input.RoleArn);
    const name = roleArn.split("/").pop();
    return ok({
      Credentials: {
        AccessKeyId: "ASIAEXAMPLEEXAMPLE00",
        SecretAccessKey: "synthetic",
        SessionToken: "synthetic",
        Expiration: new Date(Date.parse(w.recordedAt) + 3_600_000).toISOString(),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROA${hex(roleArn, 16).toUpperCase()}:${input.RoleSessionName}`,
        Arn: roleArn
          .replace(":iam::", ":sts::")
          .replace(":role/", ":assumed-role/")
          .replace(`/${name}`, `/${name}/${input.RoleSessionName}`),
      },
    });
  },
  "Organizations:ListAccounts": ({ w, input }) => {
    if (!w.org)
      return fail("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
    const { page, next } = paged(w.accounts, input.NextToken, 20);
    return ok({
      Accounts: page.map((id, i) => ({
        Id: id,
        Arn: `arn:aws:organizations::${w.caller}:account/o-bench12345/${id}`,
        Email: `aws+${id}@example.com`,
        Name: id === w.caller ? "management" : `workload-${i}`,
        Status: "ACTIVE",
        State: "ACTIVE",
        JoinedMethod: id === w.caller ? "INVITED" : "CREATED",
        JoinedTimestamp: daysBefore(w, 700),
      })),
      ...(next ? { NextToken: next } : {}),
    });
  },
  "Organizations:DescribeOrganization": ({ w }) =>
    w.org
      ? ok({
          Organization: {
            Id: "o-bench12345",
            Arn: `arn:aws:organizations::${w.caller}:organization/o-bench12345`,
            FeatureSet: "ALL",
            MasterAccountArn: `arn:aws:organizations::${w.caller}:account/o-bench12345/${w.caller}`,
            MasterAccountId: w.caller,
            MasterAccountEmail: `aws+${w.caller}@example.com`,
          },
        })
      : fail("AWSOrganizationsNotInUseException", "Your account is not a member of an organization."),
  "Organizations:ListRoots": ({ w }) =>
    ok({
      Roots: [
        {
          Id: "r-bnch",
          Arn: `arn:aws:organizations::${w.caller}:root/o-bench12345/r-bnch`,
          Name: "Root",
          PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
        },
      ],
    }),
  "Organizations:ListPolicies": ({ w }) =>
    ok({
      Policies: [
        {
          Id: "p-FullAWSAccess",
          Arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
          Name: "FullAWSAccess",
          Description: "Allows access to every operation",
          Type: "SERVICE_CONTROL_POLICY",
          AwsManaged: true,
        },
        {
          Id: "p-guardrl1",
          Arn: `arn:aws:organizations::${w.caller}:policy/o-bench12345/service_control_policy/p-guardrl1`,
          Name: "audit-guardrails",
          Description: "Protects the audit trail and AWS Config",
          Type: "SERVICE_CONTROL_POLICY",
          AwsManaged: false,
        },
      ],
    }),
  "Organizations:DescribePolicy": ({ input }) =>
    ok({
      Policy: {
        PolicySummary: { Id: input.PolicyId, Type: "SERVICE_CONTROL_POLICY" },
        Content:
          input.PolicyId === "p-FullAWSAccess"
            ? JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
              })
            : SCP_GUARDRAILS,
      },
    }),
  "Organizations:ListTargetsForPolicy": ({ w }) =>
    ok({
      Targets: [
        {
          TargetId: "r-bnch",
          Arn: `arn:aws:organizations::${w.caller}:root/o-bench12345/r-bnch`,
          Name: "Root",
          Type: "ROOT",
        },
      ],
    }),
  "EC2:DescribeRegions": ({ w }) =>
    ok({
      Regions: w.regions.map((r) => ({
        Endpoint: `ec2.${r}.amazonaws.com`,
        RegionName: r,
        OptInStatus: "opt-in-not-required",
      })),
    }),
  "EC2:DescribeVpcs": ({ account, region }) =>
    ok({
      Vpcs: [
        {
          VpcId: `vpc-${hex(account + region, 17)}`,
          OwnerId: account,
          CidrBlock: "172.31.0.0/16",
          IsDefault: true,
          State: "available",
          InstanceTenancy: "default",
        },
      ],
    }),
  "EC2:DescribeFlowLogs": ({ w, account, region }) =>
    ok({
      FlowLogs: [
        {
          FlowLogId: `fl-${hex(account + region, 17)}`,
          ResourceId: `vpc-${hex(account + region, 17)}`,
          TrafficType: "ALL",
          FlowLogStatus: "ACTIVE",
          DeliverLogsStatus: "SUCCESS",
          LogDestinationType: "s3",
          LogDestination: `arn:aws:s3:::flow-logs-${account}`,
          CreationTime: daysBefore(w, 300),
          MaxAggregationInterval: 600,
        },
      ],
    }),
  "IAM:GenerateCredentialReport": () =>
    ok({ State: "COMPLETE", Description: "No report exists. Starting a new report generation task" }),
  "IAM:GetCredentialReport": ({ w, account }) =>
    ok({
      Content: Buffer.from(credentialReport(w, account)).toString("base64"),
      ReportFormat: "text/csv",
      GeneratedTime: daysBefore(w, 0),
    }),
  "IAM:GetAccountPasswordPolicy": () =>
    ok({
      PasswordPolicy: {
        MinimumPasswordLength: 14,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        ExpirePasswords: true,
        MaxPasswordAge: 90,
        PasswordReusePrevention: 24,
        HardExpiry: false,
      },
    }),
  "IAM:GetAccountSummary": ({ w, account }) =>
    ok({
      SummaryMap: {
        AccountMFAEnabled: 1,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
        Users: w.users,
        Groups: 2,
        Roles: account === w.caller ? 4 : 3,
        Policies: 0,
        MFADevices: w.users,
        MFADevicesInUse: w.users,
      },
    }),
  "IAM:ListVirtualMFADevices": ({ w, account, input }) => {
    const devices = [
      {
        SerialNumber: `arn:aws:iam::${account}:mfa/root-account-mfa-device`,
        User: {
          Arn: `arn:aws:iam::${account}:root`,
          UserId: account,
          UserName: "",
          CreateDate: daysBefore(w, 900),
        },
        EnableDate: daysBefore(w, 800),
      },
    ];
    const { page, next } = paged(devices, input.Marker, 100);
    return ok({ VirtualMFADevices: page, IsTruncated: Boolean(next), ...(next ? { Marker: next } : {}) });
  },
  "IAM:GetAccountAuthorizationDetails": ({ w, account, input }) => {
    let items = authCache.get(account);
    if (!items) {
      items = authorizationItems(w, account);
      authCache.set(account, items);
    }
    // IAM's page size is MaxItems (default 100, at most 1000).
    const { page, next } = paged(items, input.Marker, Number(input.MaxItems ?? 100));
    const out: Record<string, unknown[]> = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    };
    for (const x of page) out[x.kind]!.push(x.item);
    return ok({ ...out, IsTruncated: Boolean(next), ...(next ? { Marker: next } : {}) });
  },
  "AccessAnalyzer:ListAnalyzers": ({ w, account, region }) =>
    ok({
      analyzers: [
        {
          arn: `arn:aws:access-analyzer:${region}:${account}:analyzer/account-analyzer`,
          name: "account-analyzer",
          type: "ACCOUNT",
          status: "ACTIVE",
          createdAt: daysBefore(w, 300),
        },
      ],
    }),
  "CloudTrail:DescribeTrails": ({ w, account }) =>
    ok({
      trailList: [
        {
          Name: "audit-trail",
          TrailARN: TRAIL(w, account),
          HomeRegion: w.homeRegion,
          S3BucketName: TRAIL_BUCKET(account),
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: true,
          IsOrganizationTrail: false,
          LogFileValidationEnabled: true,
          KmsKeyId: TRAIL_KEY(w, account),
          CloudWatchLogsLogGroupArn: `${TRAIL_LOG_GROUP(w, account)}:*`,
          CloudWatchLogsRoleArn: `arn:aws:iam::${account}:role/cloudtrail-to-cloudwatch`,
          HasCustomEventSelectors: true,
          HasInsightSelectors: false,
        },
      ],
    }),
  "CloudTrail:GetTrailStatus": ({ w }) =>
    ok({
      IsLogging: true,
      LatestDeliveryTime: daysBefore(w, 0),
      StartLoggingTime: daysBefore(w, 500),
      LatestCloudWatchLogsDeliveryTime: daysBefore(w, 0),
      LatestDigestDeliveryTime: daysBefore(w, 0),
    }),
  "CloudTrail:GetEventSelectors": ({ w, account }) =>
    ok({
      TrailARN: TRAIL(w, account),
      EventSelectors: [
        {
          ReadWriteType: "All",
          IncludeManagementEvents: true,
          DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3"] }],
          ExcludeManagementEventSources: [],
        },
      ],
    }),
  "CloudWatch:DescribeAlarms": ({ w, account, region }) =>
    ok({
      MetricAlarms:
        region === w.homeRegion
          ? [
              {
                AlarmName: "cloudtrail-changes",
                AlarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:cloudtrail-changes`,
                ActionsEnabled: true,
                AlarmActions: [`arn:aws:sns:${region}:${account}:security-alerts`],
                MetricName: "CloudTrailChangeCount",
                Namespace: "CISBenchmark",
                Statistic: "Sum",
                Period: 300,
                EvaluationPeriods: 1,
                Threshold: 1,
                ComparisonOperator: "GreaterThanOrEqualToThreshold",
                StateValue: "OK",
                Dimensions: [],
              },
            ]
          : [],
    }),
  "CloudWatchLogs:DescribeLogGroups": ({ w, account, region }) =>
    ok({
      logGroups:
        region === w.homeRegion
          ? [
              {
                logGroupName: "audit-trail",
                arn: `${TRAIL_LOG_GROUP(w, account)}:*`,
                logGroupArn: TRAIL_LOG_GROUP(w, account),
                creationTime: Date.parse(daysBefore(w, 500)),
                retentionInDays: 400,
                storedBytes: 123456789,
                kmsKeyId: TRAIL_KEY(w, account),
              },
            ]
          : [],
    }),
  "CloudWatchLogs:DescribeMetricFilters": ({ w, region }) =>
    ok({
      metricFilters:
        region === w.homeRegion
          ? [
              {
                filterName: "cloudtrail-changes",
                logGroupName: "audit-trail",
                filterPattern: CIS_PATTERN,
                metricTransformations: [
                  { metricName: "CloudTrailChangeCount", metricNamespace: "CISBenchmark", metricValue: "1" },
                ],
                creationTime: Date.parse(daysBefore(w, 400)),
              },
            ]
          : [],
    }),
  "CodePipeline:ListPipelines": ({ w, region }) =>
    ok({
      pipelines:
        region === w.homeRegion
          ? [
              {
                name: "app-deploy",
                version: 3,
                pipelineType: "V2",
                created: daysBefore(w, 200),
                updated: daysBefore(w, 5),
              },
            ]
          : [],
    }),
  "CodePipeline:GetPipeline": ({ w, account, region, input }) =>
    ok({
      pipeline: {
        name: input.name,
        roleArn: `arn:aws:iam::${account}:role/deploy-pipeline`,
        artifactStore: { type: "S3", location: `pipeline-artifacts-${account}` },
        version: 3,
        pipelineType: "V2",
        stages: [
          {
            name: "Source",
            actions: [
              {
                name: "Source",
                actionTypeId: {
                  category: "Source",
                  owner: "AWS",
                  provider: "CodeStarSourceConnection",
                  version: "1",
                },
                runOrder: 1,
                configuration: { BranchName: "main", FullRepositoryId: "example/app" },
              },
            ],
          },
          {
            name: "Approve",
            actions: [
              {
                name: "ChangeApproval",
                actionTypeId: { category: "Approval", owner: "AWS", provider: "Manual", version: "1" },
                runOrder: 1,
              },
            ],
          },
          {
            name: "Deploy",
            actions: [
              {
                name: "Deploy",
                actionTypeId: { category: "Deploy", owner: "AWS", provider: "CloudFormation", version: "1" },
                runOrder: 1,
              },
            ],
          },
        ],
      },
      metadata: {
        pipelineArn: `arn:aws:codepipeline:${region}:${account}:${input.name}`,
        created: daysBefore(w, 200),
        updated: daysBefore(w, 5),
      },
    }),
  "KMS:DescribeKey": ({ w, account, region, input }) =>
    !String(input.KeyId).startsWith("arn:")
      ? ok(describeBenchKey(w, account, region, String(input.KeyId)))
      : ok({
          KeyMetadata: {
            AWSAccountId: account,
            KeyId: String(input.KeyId).split("/").pop(),
            Arn: input.KeyId,
            CreationDate: daysBefore(w, 600),
            Enabled: true,
            KeyUsage: "ENCRYPT_DECRYPT",
            KeyState: "Enabled",
            Origin: "AWS_KMS",
            KeyManager: "CUSTOMER",
            KeySpec: "SYMMETRIC_DEFAULT",
            CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
            EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
            MultiRegion: false,
          },
        }),
  "KMS:GetKeyRotationStatus": ({ input }) =>
    ok({ KeyRotationEnabled: true, KeyId: input.KeyId, RotationPeriodInDays: 365 }),
  "S3:GetBucketLocation": () => ok({}),
  "S3:GetPublicAccessBlock": () =>
    ok({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  "S3:GetBucketLogging": ({ account }) =>
    ok({ LoggingEnabled: { TargetBucket: `s3-access-logs-${account}`, TargetPrefix: "audit-trail-logs/" } }),
  "S3Control:GetPublicAccessBlock": () =>
    ok({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  "ConfigService:DescribeConfigurationRecorders": ({ account }) =>
    ok({
      ConfigurationRecorders: [
        {
          name: "default",
          roleARN: `arn:aws:iam::${account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
          recordingGroup: {
            allSupported: true,
            includeGlobalResourceTypes: true,
            resourceTypes: [],
            exclusionByResourceTypes: { resourceTypes: [] },
            recordingStrategy: { useOnly: "ALL_SUPPORTED_RESOURCE_TYPES" },
          },
          recordingMode: { recordingFrequency: "CONTINUOUS" },
        },
      ],
    }),
  "ConfigService:DescribeConfigurationRecorderStatus": ({ w }) =>
    ok({
      ConfigurationRecordersStatus: [
        {
          name: "default",
          lastStartTime: daysBefore(w, 400),
          recording: true,
          lastStatus: "SUCCESS",
          lastStatusChangeTime: daysBefore(w, 0),
        },
      ],
    }),
  "ConfigService:DescribeDeliveryChannels": ({ account }) =>
    ok({ DeliveryChannels: [{ name: "default", s3BucketName: `config-bucket-${account}` }] }),
  // Identity planes: IAM Identity Center, KMS key inventory and access, OIDC providers (world-identity.ts)
  ...IDENTITY_GENERATORS,
};

// --- Event populations over the audit period (CloudTrail event history, CodePipeline executions) ---------
// LookupEvents answers `w.events` write events per account-region to the ReadOnly=false lookup (50 a page,
// newest first, spread evenly over the 90 days before recordedAt), in the LookupEvents shape with
// CloudTrailEvent as a JSON string; every other lookup answers one empty page. One in 20 events is by an IAM
// user (a click-ops exception), the rest by the deploy-pipeline role.
const EVENT_PAGE = 50;

/**
 * Event `i` (0 = newest) of an account-region's history, spread evenly over `span` ms before recordedAt, in
 * the SDK's LookupEvents Event shape (EventTime an ISO string here; the wire server sends epoch seconds).
 */
export function syntheticEvent(
  w: World,
  account: string,
  region: string,
  i: number,
  span = 90 * 86_400_000,
): Record<string, unknown> {
  const time = new Date(
    Date.parse(w.recordedAt) - Math.floor(((i + 0.5) * span) / (w.events ?? 1)),
  ).toISOString();
  const human = i % 20 === 7;
  const id = `${eventHex(`${account}${region}${i}`, 8)}-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const identity = human
    ? {
        type: "IAMUser",
        principalId: "AIDABENCHUSER",
        arn: `arn:aws:iam::${account}:user/bench-admin`,
        accountId: account,
        userName: "bench-admin",
      }
    : {
        type: "AssumedRole",
        principalId: `AROABENCHROLE:run-${i}`,
        arn: `arn:aws:sts::${account}:assumed-role/deploy-pipeline/run-${i}`,
        accountId: account,
        sessionContext: {
          sessionIssuer: {
            type: "Role",
            principalId: "AROABENCHROLE",
            arn: `arn:aws:iam::${account}:role/deploy-pipeline`,
            accountId: account,
            userName: "deploy-pipeline",
          },
          attributes: { creationDate: time, mfaAuthenticated: "false" },
        },
      };
  const record = {
    eventVersion: "1.09",
    userIdentity: identity,
    eventTime: time.replace(/\.\d{3}Z$/, "Z"),
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    awsRegion: region,
    sourceIPAddress: human ? "203.0.113.9" : "codebuild.amazonaws.com",
    userAgent: human ? "console.amazonaws.com" : "aws-sdk-js/3.600.0",
    requestParameters: {
      groupId: `sg-${eventHex(`${i}`, 17)}`,
      ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 443, toPort: 443 }] },
    },
    responseElements: { _return: true },
    requestID: `${eventHex(`r${i}`, 8)}-0000-4000-8000-000000000000`,
    eventID: id,
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
  };
  return {
    EventId: id,
    EventName: record.eventName,
    ReadOnly: "false",
    EventTime: time,
    EventSource: record.eventSource,
    Username: human ? "bench-admin" : `run-${i}`,
    Resources: [{ ResourceType: "AWS::EC2::SecurityGroup", ResourceName: record.requestParameters.groupId }],
    CloudTrailEvent: JSON.stringify(record),
  };
}

Object.assign(GENERATORS, {
  "CloudTrail:LookupEvents": ({ w, account, region, input }: Ask) => {
    const attr = (
      input.LookupAttributes as { AttributeKey: string; AttributeValue: string }[] | undefined
    )?.[0];
    const total = attr?.AttributeKey === "ReadOnly" && attr.AttributeValue === "false" ? (w.events ?? 0) : 0;
    const start = typeof input.NextToken === "string" ? Number(input.NextToken.replace(/^p/, "")) : 0;
    const end = Math.min(total, start + EVENT_PAGE);
    const Events = [];
    for (let i = start; i < end; i++) Events.push(syntheticEvent(w, account, region, i));
    return ok({ Events, ...(end < total ? { NextToken: `p${end}` } : {}) });
  },
  "CodePipeline:ListPipelineExecutions": () => ok({ pipelineExecutionSummaries: [] }),
  "CodePipeline:ListActionExecutions": () => ok({ actionExecutionDetails: [] }),
  // SSOAdmin:ListInstances and Identitystore:ListUsers are answered by the identity world (world-identity.ts).
} satisfies Record<string, Generator>);

/**
 * Generators for the detective pack (10b): GuardDuty, Security Hub, log-archive buckets, EKS. Every account
 * has an enabled GuardDuty detector administered by the caller (management) account, Security Hub on, the
 * trail bucket versioned and locked in COMPLIANCE mode for 7 years, and no EKS cluster.
 */
const DETECTOR_ID = (a: string, r: string) => hex(`gd${a}${r}`, 32);
export const DETECTIVE_GENERATORS: Record<string, Generator> = {
  "GuardDuty:ListDetectors": ({ account, region }) => ok({ DetectorIds: [DETECTOR_ID(account, region)] }),
  "GuardDuty:GetDetector": ({ w, account }) =>
    ok({
      CreatedAt: daysBefore(w, 500),
      FindingPublishingFrequency: "FIFTEEN_MINUTES",
      ServiceRole: `arn:aws:iam::${account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      Status: "ENABLED",
      UpdatedAt: daysBefore(w, 30),
      Tags: {},
    }),
  "GuardDuty:GetAdministratorAccount": ({ w, account }) =>
    ok(
      account === w.caller
        ? {}
        : {
            Administrator: {
              AccountId: w.caller,
              InvitationId: hex(`inv${account}`, 32),
              RelationshipStatus: "Enabled",
              InvitedAt: daysBefore(w, 500),
            },
          },
    ),
  "GuardDuty:ListMembers": ({ w, account, input }) =>
    ok({
      Members:
        account === w.caller
          ? w.accounts
              .filter((a) => a !== w.caller)
              .slice(0, 50)
              .map((a) => ({
                AccountId: a,
                DetectorId: input.DetectorId,
                AdministratorId: w.caller,
                MasterId: w.caller,
                Email: `aws+${a}@example.com`,
                RelationshipStatus: "Enabled",
                InvitedAt: daysBefore(w, 500),
                UpdatedAt: daysBefore(w, 500),
              }))
          : [],
    }),
  "SecurityHub:DescribeHub": ({ w, account, region }) =>
    ok({
      HubArn: `arn:aws:securityhub:${region}:${account}:hub/default`,
      SubscribedAt: daysBefore(w, 500),
      AutoEnableControls: true,
      ControlFindingGenerator: "SECURITY_CONTROL",
    }),
  "S3:GetBucketVersioning": () => ok({ Status: "Enabled", MFADelete: "Disabled" }),
  "S3:GetObjectLockConfiguration": () =>
    ok({
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "COMPLIANCE", Years: 7 } },
      },
    }),
  "EKS:ListClusters": () => ok({ clusters: [] }),
  "EKS:DescribeCluster": ({ input }) =>
    fail("ResourceNotFoundException", `No cluster found for name: ${String(input.name)}.`, 404),
  "EKS:ListAccessEntries": () => ok({ accessEntries: [] }),
  "EKS:ListAssociatedAccessPolicies": ({ input }) =>
    ok({ clusterName: input.clusterName, principalArn: input.principalArn, associatedAccessPolicies: [] }),
};

/** True when the benchmark can answer `Service:Operation`. */
export function hasGenerator(op: string): boolean {
  return op in GENERATORS || op in DETECTIVE_GENERATORS;
}

export class MissingGeneratorError extends Error {
  constructor(op: string) {
    super(
      `bench: no synthetic generator for ${op}: add one to GENERATORS in src/bench/world.ts (the benchmark must answer every call the registered queries make)`,
    );
    this.name = "MissingGeneratorError";
  }
}

/** Answers calls from the generators (a ReplaySource for AwsRuntime's `replaySource`). */
export class SyntheticAnswers {
  constructor(private readonly w: World) {}

  take(key: CallKey): RecordedCall {
    const op = `${key.service}:${key.operation}`;
    const gen = GENERATORS[op] ?? DETECTIVE_GENERATORS[op];
    if (!gen) throw new MissingGeneratorError(op);
    const account = key.account ?? this.w.caller;
    const answer = gen({
      w: this.w,
      account,
      region: key.region,
      input: (key.input ?? {}) as Record<string, unknown>,
    });
    return {
      seq: 0,
      provider: "aws",
      service: key.service,
      operation: key.operation,
      account,
      region: key.region,
      input: key.input,
      ...answer,
      requestId: `bench-${hex(`${op}${account}${key.region}${JSON.stringify(key.input)}`, 12)}`,
      startedAt: this.w.recordedAt,
      endedAt: this.w.recordedAt,
    };
  }
}
