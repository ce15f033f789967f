/**
 * aws.cloudtrail.trails — one row per distinct trail that applies to the account: its configuration
 * (DescribeTrails in every region, shadow trails included so an organization trail seen from a member
 * account counts), its logging status (GetTrailStatus) and its event selectors (GetEventSelectors), both
 * asked in the trail's home region by ARN (AWS requires the ARN for an organization trail from a member
 * account). If either call fails for a trail, that trail is an item problem (its configuration is known,
 * its status or selectors are not) with a message naming the trail and its owner; the other trails stand.
 * DescribeTrails failing in a region leaves the trails homed there unknown (a problem for that region).
 */
import type { Trail } from "@aws-sdk/client-cloudtrail";
import { errorMessage } from "../../../core/errors.js";
import type { QueryContext } from "../../../core/query.js";
import type { QueryProblem, Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from "../../../providers/aws/sdk/client-cloudtrail.js";
import { readEach } from "../../items.js";
import { asDate } from "../normalise.js";
import { managementCoverage } from "./selectors.js";

/** Account id in an ARN (arn:partition:service:region:account:resource). */
export function arnAccount(arn: string): string {
  return arn.split(":")[4] ?? "";
}

export function arnRegion(arn: string): string {
  return arn.split(":")[3] ?? "";
}

export const trails = defineAwsQuery({
  id: "aws.cloudtrail.trails",
  scope: "account",
  title: "CloudTrail trails that apply to the account, with status and event selectors",
  permissions: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"],
  calls: ["CloudTrail:DescribeTrails", "CloudTrail:GetTrailStatus", "CloudTrail:GetEventSelectors"],
  fields: {
    arn: "string: trail ARN",
    name: "string?: trail name",
    home_region: "string: region the trail was created in",
    owner_account: "string: account that owns the trail (from its ARN)",
    is_multi_region: "bool: a multi-region trail",
    is_organization_trail: "bool: an organization trail",
    owned_by_account:
      "bool: the trail belongs to this account (false for an organization trail seen from a member)",
    is_logging: "bool: GetTrailStatus IsLogging",
    latest_delivery_time: "timestamp?: last log file delivered to S3",
    latest_delivery_error: "string?: the last S3 delivery error",
    latest_cloudwatch_logs_delivery_time: "timestamp?: last delivery to CloudWatch Logs",
    latest_cloudwatch_logs_delivery_error: "string?: the last CloudWatch Logs delivery error",
    log_file_validation: "bool: log file integrity validation is on",
    kms_key_id: "string?: the KMS key ARN",
    s3_bucket: "string?: the destination bucket",
    cloudwatch_logs_log_group_arn: "string?: the CloudWatch Logs log group it delivers to",
    include_global_service_events: "bool: records global service events (IAM, STS, …)",
    management_events: "bool: some selector records management events",
    management_read_write:
      "string?: All | ReadOnly | WriteOnly | null: which management events are recorded (from every source)",
    management_reads: "bool: management read events from every source are recorded",
    management_writes: "bool: management write events are recorded",
    excluded_management_sources:
      "list<string>: event sources (e.g. kms.amazonaws.com) excluded from the recorded management write events",
    uses_advanced_selectors: "bool: the trail uses advanced event selectors",
    event_selectors: "list<map<string, dyn>>: the raw classic selectors",
    advanced_event_selectors: "list<map<string, dyn>>: the raw advanced selectors",
  },
  async fetch(ctx) {
    const regions = await ctx.regions();
    const seen = new Map<string, Trail>();
    const problems: QueryProblem[] = [];
    const answers = await Promise.all(
      regions.map((region) =>
        ctx.aws
          .client(CloudTrailClient, region)
          .send(new DescribeTrailsCommand({ includeShadowTrails: true }))
          .catch((e): undefined => {
            const name = (e as { name?: string }).name ?? "Error";
            problems.push({
              message: `DescribeTrails in ${region} failed: ${name}: ${errorMessage(e)}`,
              members: { home_region: region },
              region,
            });
            return undefined;
          }),
      ),
    );
    if (answers.every((a) => a === undefined)) throw new Error(problems[0]?.message ?? "no region to ask");
    for (const out of answers)
      for (const t of out?.trailList ?? []) if (t.TrailARN && !seen.has(t.TrailARN)) seen.set(t.TrailARN, t);
    const list = [...seen.values()].sort((a, b) => a.TrailARN!.localeCompare(b.TrailARN!));
    const read = await readEach(
      list,
      async (t): Promise<Row> => {
        const arn = t.TrailARN!;
        const owner = arnAccount(arn);
        const home = t.HomeRegion ?? arnRegion(arn);
        const client = ctx.aws.client(CloudTrailClient, home);
        const explain = (op: string) => (e: unknown) => {
          const name = (e as { name?: string }).name ?? "Error";
          const whose =
            owner === ctx.aws.accountId
              ? ""
              : ` (an ${t.IsOrganizationTrail ? "organization " : ""}trail owned by account ${owner})`;
          throw new Error(`${op} for trail ${arn}${whose} in ${home} failed: ${name}: ${errorMessage(e)}`);
        };
        const [status, selectors] = await Promise.all([
          client.send(new GetTrailStatusCommand({ Name: arn })).catch(explain("GetTrailStatus")),
          client.send(new GetEventSelectorsCommand({ TrailName: arn })).catch(explain("GetEventSelectors")),
        ]);
        const classic = selectors.EventSelectors ?? [];
        const advanced = selectors.AdvancedEventSelectors ?? [];
        const mgmt = managementCoverage(classic, advanced);
        const readWrite =
          mgmt.reads && mgmt.writes && mgmt.excludedSources.length === 0
            ? "All"
            : mgmt.reads
              ? "ReadOnly"
              : mgmt.writes
                ? "WriteOnly"
                : null;
        return {
          arn,
          name: t.Name ?? null,
          home_region: home,
          owner_account: owner,
          is_multi_region: t.IsMultiRegionTrail ?? false,
          is_organization_trail: t.IsOrganizationTrail ?? false,
          owned_by_account: owner === ctx.aws.accountId,
          is_logging: status.IsLogging ?? false,
          latest_delivery_time: asDate(status.LatestDeliveryTime),
          latest_delivery_error: status.LatestDeliveryError || null,
          latest_cloudwatch_logs_delivery_time: asDate(status.LatestCloudWatchLogsDeliveryTime),
          latest_cloudwatch_logs_delivery_error: status.LatestCloudWatchLogsDeliveryError || null,
          log_file_validation: t.LogFileValidationEnabled ?? false,
          kms_key_id: t.KmsKeyId ?? null,
          s3_bucket: t.S3BucketName ?? null,
          cloudwatch_logs_log_group_arn: t.CloudWatchLogsLogGroupArn ?? null,
          include_global_service_events: t.IncludeGlobalServiceEvents ?? false,
          management_events: mgmt.reads || mgmt.writes,
          management_read_write: readWrite,
          management_reads: mgmt.reads,
          management_writes: mgmt.writes,
          excluded_management_sources: mgmt.excludedSources,
          uses_advanced_selectors: advanced.length > 0,
          event_selectors: classic,
          advanced_event_selectors: advanced,
        };
      },
      knownTrail(ctx.aws.accountId),
    );
    return { rows: read.rows, problems: [...problems, ...read.problems] };
  },
});

/**
 * The trails for a query that reads only their configuration (bucket, key, log group): the trails read in
 * full plus the configuration DescribeTrails gave for those whose status or selectors could not be read.
 * Any other trails problem (a region DescribeTrails failed in) leaves trails unknown: it is returned as a
 * problem of the whole derived query, at its region.
 */
export async function trailConfigurations(
  ctx: QueryContext,
): Promise<{ trails: Row[]; problems: QueryProblem[] }> {
  const result = await ctx.queryResult("aws.cloudtrail.trails");
  const trails = [...result.rows];
  const problems: QueryProblem[] = [];
  for (const p of result.problems) {
    if (p.item) trails.push(p.item);
    else problems.push({ message: p.message, ...(p.region ? { region: p.region } : {}) });
  }
  trails.sort((a, b) => String(a.arn).localeCompare(String(b.arn)));
  return { trails, problems };
}

/** What DescribeTrails established about a trail whose status or selectors could not be read. */
function knownTrail(account: string) {
  return (t: Trail): Row => {
    const arn = t.TrailARN!;
    const owner = arnAccount(arn);
    return {
      arn,
      name: t.Name ?? null,
      home_region: t.HomeRegion ?? arnRegion(arn),
      owner_account: owner,
      is_multi_region: t.IsMultiRegionTrail ?? false,
      is_organization_trail: t.IsOrganizationTrail ?? false,
      owned_by_account: owner === account,
      log_file_validation: t.LogFileValidationEnabled ?? false,
      kms_key_id: t.KmsKeyId ?? null,
      s3_bucket: t.S3BucketName ?? null,
      cloudwatch_logs_log_group_arn: t.CloudWatchLogsLogGroupArn ?? null,
      include_global_service_events: t.IncludeGlobalServiceEvents ?? false,
    };
  };
}
