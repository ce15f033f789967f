/** Recordings for the AWS detective pack: a metric filter + alarm set-up on the trail's log group. */
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { ACCOUNT, call, deniedException, REGION, type TrailSpec, trailCalls } from "./aws-logging-support.js";

export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:security-alerts`;

/** One trail to log group `cloudtrail`, one metric filter with `pattern`, one alarm on its metric. */
export function alarmSetup(o: {
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
                  filterName: "SecurityMonitor",
                  filterPattern: o.pattern,
                  metricTransformations: [
                    { metricName: "SecurityEvents", metricNamespace: "CISBenchmark", metricValue: "1" },
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
              AlarmName: "SecurityAlarm",
              AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:SecurityAlarm`,
              ActionsEnabled: true,
              OKActions: [],
              AlarmActions: o.actions ?? [TOPIC],
              InsufficientDataActions: [],
              StateValue: "OK",
              MetricName: "SecurityEvents",
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

export const REGIONS = ["eu-west-1", "us-east-1"];
const DETECTOR = (region: string) =>
  region === "us-east-1" ? "12abc34d567e8fa901bc2d34e56789f0" : "8cb2f1e0d9a84b7c6e5f4a3b2c1d0e9f";

/** GuardDuty in one region: ListDetectors and, with a detector, GetDetector / GetAdministratorAccount / ListMembers. */
export function guardDutyCalls(
  region: string,
  o: {
    detector?: boolean;
    status?: "ENABLED" | "DISABLED";
    administrator?: { account: string; relationship: string } | null;
    members?: string[];
    listDenied?: boolean;
  } = {},
): CallSpec[] {
  if (o.listDenied)
    return [call("GuardDuty", "ListDetectors", deniedException("guardduty:ListDetectors"), {}, region)];
  const id = DETECTOR(region);
  const has = o.detector ?? true;
  const calls = [
    call("GuardDuty", "ListDetectors", { output: { DetectorIds: has ? [id] : [] } }, {}, region),
  ];
  if (!has) return calls;
  const admin =
    o.administrator === undefined ? { account: "555566667777", relationship: "Enabled" } : o.administrator;
  calls.push(
    call(
      "GuardDuty",
      "GetDetector",
      {
        output: {
          CreatedAt: "2024-03-01T10:00:00.000Z",
          FindingPublishingFrequency: "FIFTEEN_MINUTES",
          ServiceRole: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
          Status: o.status ?? "ENABLED",
          UpdatedAt: "2026-06-01T10:00:00.000Z",
          Tags: {},
        },
      },
      { DetectorId: id },
      region,
    ),
    call(
      "GuardDuty",
      "GetAdministratorAccount",
      {
        output: admin
          ? {
              Administrator: {
                AccountId: admin.account,
                InvitationId: "84b097800250d17d1872b34c4daadcf5",
                RelationshipStatus: admin.relationship,
                InvitedAt: "2024-03-01T10:05:00.000Z",
              },
            }
          : {},
      },
      { DetectorId: id },
      region,
    ),
    call(
      "GuardDuty",
      "ListMembers",
      {
        output: {
          Members: (o.members ?? []).map((m) => ({
            AccountId: m,
            DetectorId: id,
            AdministratorId: ACCOUNT,
            MasterId: ACCOUNT,
            Email: `aws+${m}@example.com`,
            RelationshipStatus: "Enabled",
            InvitedAt: "2024-03-01T10:05:00.000Z",
            UpdatedAt: "2024-03-01T10:06:00.000Z",
          })),
        },
      },
      { DetectorId: id, OnlyAssociated: "true" },
      region,
    ),
  );
  return calls;
}

/** Security Hub DescribeHub in one region: subscribed, not subscribed, or denied. */
export function securityHubCall(region: string, state: "enabled" | "not-subscribed" | "denied"): CallSpec {
  if (state === "denied")
    return call("SecurityHub", "DescribeHub", deniedException("securityhub:DescribeHub"), {}, region);
  if (state === "not-subscribed")
    return call(
      "SecurityHub",
      "DescribeHub",
      {
        error: {
          name: "InvalidAccessException",
          message: `Account ${ACCOUNT} is not subscribed to AWS Security Hub`,
          fault: "client",
          httpStatusCode: 401,
        },
      },
      {},
      region,
    );
  return call(
    "SecurityHub",
    "DescribeHub",
    {
      output: {
        HubArn: `arn:aws:securityhub:${region}:${ACCOUNT}:hub/default`,
        SubscribedAt: "2024-03-01T10:00:00.000Z",
        AutoEnableControls: true,
        ControlFindingGenerator: "SECURITY_CONTROL",
      },
    },
    {},
    region,
  );
}

/** A log-archive bucket in eu-west-1: GetBucketLocation (home region), GetBucketVersioning, GetObjectLockConfiguration. */
export function archiveBucketCalls(
  bucket: string,
  o: {
    versioning?: "Enabled" | "Suspended" | null;
    lock?: { mode: "COMPLIANCE" | "GOVERNANCE"; days?: number; years?: number } | "enabled-no-rule" | null;
    locationDenied?: boolean;
  } = {},
): CallSpec[] {
  if (o.locationDenied)
    return [
      call(
        "S3",
        "GetBucketLocation",
        { error: { name: "AccessDenied", message: "Access Denied", fault: "client", httpStatusCode: 403 } },
        { Bucket: bucket },
      ),
    ];
  const versioning = o.versioning === undefined ? "Enabled" : o.versioning;
  const lock = o.lock === undefined ? { mode: "COMPLIANCE" as const, years: 7 } : o.lock;
  return [
    call("S3", "GetBucketLocation", { output: { LocationConstraint: "eu-west-1" } }, { Bucket: bucket }),
    call(
      "S3",
      "GetBucketVersioning",
      { output: versioning ? { Status: versioning, MFADelete: "Disabled" } : {} },
      { Bucket: bucket },
      "eu-west-1",
    ),
    call(
      "S3",
      "GetObjectLockConfiguration",
      lock === null
        ? {
            error: {
              name: "ObjectLockConfigurationNotFoundError",
              message: "Object Lock configuration does not exist for this bucket",
              fault: "client",
              httpStatusCode: 404,
            },
          }
        : {
            output: {
              ObjectLockConfiguration:
                lock === "enabled-no-rule"
                  ? { ObjectLockEnabled: "Enabled" }
                  : {
                      ObjectLockEnabled: "Enabled",
                      Rule: {
                        DefaultRetention: {
                          Mode: lock.mode,
                          ...(lock.days !== undefined ? { Days: lock.days } : {}),
                          ...(lock.years !== undefined ? { Years: lock.years } : {}),
                        },
                      },
                    },
            },
          },
      { Bucket: bucket },
      "eu-west-1",
    ),
  ];
}

export interface ClusterSpec {
  name: string;
  logTypes?: string[];
  mode?: "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP" | null;
  /** principal ARN → access policy names (cluster scope unless prefixed "ns:") */
  entries?: Record<string, string[]>;
}

export const clusterArn = (name: string, region = REGION) =>
  `arn:aws:eks:${region}:${ACCOUNT}:cluster/${name}`;

const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** ListClusters, DescribeCluster per cluster (and, with `entries`, the access-entry calls) in one region. */
export function eksCalls(
  specs: ClusterSpec[],
  o: { region?: string; withEntries?: boolean; entriesDenied?: string } = {},
): CallSpec[] {
  const region = o.region ?? REGION;
  const calls: CallSpec[] = [
    call("EKS", "ListClusters", { output: { clusters: specs.map((s) => s.name) } }, {}, region),
  ];
  for (const s of specs) {
    const on = s.logTypes ?? ["api", "audit", "authenticator"];
    calls.push(
      call(
        "EKS",
        "DescribeCluster",
        {
          output: {
            cluster: {
              name: s.name,
              arn: clusterArn(s.name, region),
              createdAt: "2024-05-02T08:00:00.000Z",
              version: "1.31",
              endpoint: `https://0123456789ABCDEF0123456789ABCDEF.gr7.${region}.eks.amazonaws.com`,
              roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster-role`,
              resourcesVpcConfig: {
                subnetIds: ["subnet-0a1b2c3d4e5f60718"],
                securityGroupIds: [],
                clusterSecurityGroupId: "sg-0a1b2c3d4e5f60718",
                vpcId: "vpc-0a1b2c3d4e5f60718",
                endpointPublicAccess: false,
                endpointPrivateAccess: true,
                publicAccessCidrs: [],
              },
              kubernetesNetworkConfig: { serviceIpv4Cidr: "172.20.0.0/16", ipFamily: "ipv4" },
              logging: {
                clusterLogging: [
                  ...(on.length ? [{ types: on, enabled: true }] : []),
                  ...(ALL_LOG_TYPES.some((t) => !on.includes(t))
                    ? [{ types: ALL_LOG_TYPES.filter((t) => !on.includes(t)), enabled: false }]
                    : []),
                ],
              },
              identity: {
                oidc: {
                  issuer: `https://oidc.eks.${region}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`,
                },
              },
              status: "ACTIVE",
              certificateAuthority: { data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==" },
              platformVersion: "eks.12",
              tags: {},
              ...(s.mode === null
                ? {}
                : {
                    accessConfig: {
                      bootstrapClusterCreatorAdminPermissions: true,
                      authenticationMode: s.mode ?? "API",
                    },
                  }),
            },
          },
        },
        { name: s.name },
        region,
      ),
    );
  }
  if (!o.withEntries) return calls;
  for (const s of specs) {
    const mode = s.mode === null ? "CONFIG_MAP" : (s.mode ?? "API");
    if (mode === "CONFIG_MAP") continue;
    if (o.entriesDenied === s.name) {
      calls.push(
        call(
          "EKS",
          "ListAccessEntries",
          deniedException("eks:ListAccessEntries"),
          { clusterName: s.name },
          region,
        ),
      );
      continue;
    }
    const entries = s.entries ?? {};
    calls.push(
      call(
        "EKS",
        "ListAccessEntries",
        { output: { accessEntries: Object.keys(entries) } },
        { clusterName: s.name },
        region,
      ),
    );
    for (const [principal, policies] of Object.entries(entries)) {
      calls.push(
        call(
          "EKS",
          "ListAssociatedAccessPolicies",
          {
            output: {
              clusterName: s.name,
              principalArn: principal,
              associatedAccessPolicies: policies.map((p) => ({
                policyArn: `arn:aws:eks::aws:cluster-access-policy/${p.replace(/^ns:/, "")}`,
                accessScope: p.startsWith("ns:")
                  ? { type: "namespace", namespaces: ["payments"] }
                  : { type: "cluster", namespaces: [] },
                associatedAt: "2024-05-02T08:10:00.000Z",
                modifiedAt: "2024-05-02T08:10:00.000Z",
              })),
            },
          },
          { clusterName: s.name, principalArn: principal },
          region,
        ),
      );
    }
  }
  return calls;
}
