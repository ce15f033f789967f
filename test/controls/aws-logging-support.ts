/**
 * Small recordings for the change-management and logging packs: a trail set-up (DescribeTrails,
 * GetTrailStatus, GetEventSelectors in us-east-1) and helpers for the other services, in the real API shapes.
 */
import { accessDenied, awsCall, type CallSpec } from "../../fixtures/lib/aws.js";
import { runOnCalls } from "../support/recording.js";

export const ACCOUNT = "111122223333";
export const OTHER = "999988887777";
export const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/ITGCAuditReadOnly/auditor`;
export const NOW = "2026-11-20T09:00:00.000Z";
export const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
export const REGION = "us-east-1";

export const identity = (): CallSpec[] => [
  awsCall({
    service: "STS",
    operation: "GetCallerIdentity",
    account: ACCOUNT,
    region: REGION,
    output: { UserId: "AROAYLXQ2EXAMPLE7ROLE:auditor", Account: ACCOUNT, Arn: CALLER },
  }),
];

export function call(
  service: string,
  operation: string,
  answer: { output?: Record<string, unknown>; error?: CallSpec["error"] },
  input?: Record<string, unknown>,
  region = REGION,
): CallSpec {
  return awsCall({ service, operation, account: ACCOUNT, region, input, ...answer });
}

/** AccessDenied as the query protocol services (IAM, STS, EC2 as UnauthorizedOperation …) report it. */
export const denied = (action: string) => ({ error: accessDenied(CALLER, action) });

/** AccessDeniedException as the JSON protocol services (CloudTrail, Logs, KMS, Organizations …) report it. */
export const deniedException = (action: string) => ({
  error: {
    name: "AccessDeniedException",
    message: `User: ${CALLER} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
    fault: "client" as const,
    httpStatusCode: 400,
  },
});

export interface TrailSpec {
  name: string;
  owner?: string;
  home?: string;
  multiRegion?: boolean;
  org?: boolean;
  logging?: boolean;
  validation?: boolean;
  kmsKey?: string | null;
  bucket?: string | null;
  logGroup?: string | null;
  cwDelivery?: string | null;
  selectors?: Record<string, unknown>;
}

export const trailArn = (t: TrailSpec) =>
  `arn:aws:cloudtrail:${t.home ?? REGION}:${t.owner ?? ACCOUNT}:trail/${t.name}`;

export const ALL_MANAGEMENT = {
  EventSelectors: [
    {
      ReadWriteType: "All",
      IncludeManagementEvents: true,
      DataResources: [],
      ExcludeManagementEventSources: [],
    },
  ],
};

export function describeTrail(t: TrailSpec): Record<string, unknown> {
  const owner = t.owner ?? ACCOUNT;
  const home = t.home ?? REGION;
  return {
    Name: t.name,
    S3BucketName: t.bucket === undefined ? `${t.name}-logs` : (t.bucket ?? undefined),
    IncludeGlobalServiceEvents: t.multiRegion ?? true,
    IsMultiRegionTrail: t.multiRegion ?? true,
    HomeRegion: home,
    TrailARN: trailArn(t),
    LogFileValidationEnabled: t.validation ?? true,
    ...(t.logGroup === null
      ? {}
      : {
          CloudWatchLogsLogGroupArn: `arn:aws:logs:${home}:${owner}:log-group:${t.logGroup ?? "cloudtrail"}:*`,
          CloudWatchLogsRoleArn: `arn:aws:iam::${owner}:role/CloudTrailToCloudWatch`,
        }),
    ...(t.kmsKey === null || t.kmsKey === undefined ? {} : { KmsKeyId: t.kmsKey }),
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: t.org ?? false,
  };
}

/** DescribeTrails (us-east-1) and, per trail, GetTrailStatus and GetEventSelectors in its home region. */
export function trailCalls(
  specs: TrailSpec[],
  override: { statusError?: CallSpec["error"] } = {},
): CallSpec[] {
  const calls: CallSpec[] = [
    call(
      "CloudTrail",
      "DescribeTrails",
      { output: { trailList: specs.map(describeTrail) } },
      { includeShadowTrails: true },
    ),
  ];
  for (const t of specs) {
    const arn = trailArn(t);
    const home = t.home ?? REGION;
    const logging = t.logging ?? true;
    calls.push(
      call(
        "CloudTrail",
        "GetTrailStatus",
        override.statusError
          ? { error: override.statusError }
          : {
              output: {
                IsLogging: logging,
                LatestDeliveryTime: "2026-11-20T08:55:12.000Z",
                ...(t.cwDelivery === null || t.logGroup === null
                  ? {}
                  : { LatestCloudWatchLogsDeliveryTime: t.cwDelivery ?? "2026-11-20T08:56:02.000Z" }),
                StartLoggingTime: "2021-02-15T09:30:00.000Z",
                TimeLoggingStarted: "2021-02-15T09:30:00Z",
              },
            },
        { Name: arn },
        home,
      ),
      call(
        "CloudTrail",
        "GetEventSelectors",
        { output: { TrailARN: arn, ...(t.selectors ?? ALL_MANAGEMENT) } },
        { TrailName: arn },
        home,
      ),
    );
  }
  return calls;
}

export async function run(
  controls: string[],
  calls: CallSpec[],
  extra: { params?: Record<string, Record<string, unknown>>; regions?: string[] } = {},
) {
  return runOnCalls({
    controls,
    calls: [...identity(), ...calls],
    now: NOW,
    regions: extra.regions ?? [REGION],
    params: extra.params,
  });
}
