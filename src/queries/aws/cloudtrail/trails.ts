/**
 * aws.cloudtrail.trails — one row per distinct trail that applies to the account: its configuration
 * (DescribeTrails in every region, shadow trails included so organization trails seen from a member account
 * count), its logging status (GetTrailStatus) and its event selectors (GetEventSelectors), both asked in the
 * trail's home region by ARN.
 */
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { asDate } from "../normalise.js";

export const trails = defineAwsQuery({
  id: "aws.cloudtrail.trails",
  scope: "account",
  title: "CloudTrail trails that apply to the account, with status and event selectors",
  permissions: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"],
  calls: ["CloudTrail:DescribeTrails", "CloudTrail:GetTrailStatus", "CloudTrail:GetEventSelectors"],
  fields: {
    arn: "trail ARN",
    name: "trail name",
    home_region: "region the trail was created in",
    is_multi_region: "bool",
    is_organization_trail: "bool",
    owned_by_account:
      "bool: the trail belongs to this account (false for an organization trail seen from a member)",
    is_logging: "bool: GetTrailStatus IsLogging",
    latest_delivery_time: "timestamp or null",
    latest_delivery_error: "string or null",
    log_file_validation: "bool",
    kms_key_id: "string or null",
    s3_bucket: "string or null",
    cloudwatch_logs_log_group_arn: "string or null",
    include_global_service_events: "bool",
    management_events: "bool: a selector records management events",
    management_read_write:
      "All | ReadOnly | WriteOnly | null (classic selectors; advanced selectors record all)",
    uses_advanced_selectors: "bool",
    event_selectors: "the raw classic selectors",
    advanced_event_selectors: "the raw advanced selectors",
  },
  async fetch(ctx) {
    const regions = await ctx.regions();
    const seen = new Map<string, Trail>();
    const answers = await Promise.all(
      regions.map((region) =>
        ctx.aws
          .client(CloudTrailClient, region)
          .send(new DescribeTrailsCommand({ includeShadowTrails: true })),
      ),
    );
    for (const out of answers)
      for (const t of out.trailList ?? []) if (t.TrailARN && !seen.has(t.TrailARN)) seen.set(t.TrailARN, t);
    const rows: Row[] = [];
    for (const t of [...seen.values()].sort((a, b) => a.TrailARN!.localeCompare(b.TrailARN!))) {
      const client = ctx.aws.client(CloudTrailClient, t.HomeRegion ?? ctx.aws.homeRegion);
      const [status, selectors] = await Promise.all([
        client.send(new GetTrailStatusCommand({ Name: t.TrailARN })),
        client.send(new GetEventSelectorsCommand({ TrailName: t.TrailARN })),
      ]);
      const classic = selectors.EventSelectors ?? [];
      const advanced = selectors.AdvancedEventSelectors ?? [];
      const mgmtAdvanced = advanced.some((s) =>
        (s.FieldSelectors ?? []).some(
          (f) => f.Field === "eventCategory" && (f.Equals ?? []).includes("Management"),
        ),
      );
      const mgmtClassic = classic.filter((s) => s.IncludeManagementEvents !== false);
      const rw = mgmtClassic.some((s) => (s.ReadWriteType ?? "All") === "All")
        ? "All"
        : (mgmtClassic[0]?.ReadWriteType ?? null);
      rows.push({
        arn: t.TrailARN!,
        name: t.Name ?? null,
        home_region: t.HomeRegion ?? null,
        is_multi_region: t.IsMultiRegionTrail ?? false,
        is_organization_trail: t.IsOrganizationTrail ?? false,
        owned_by_account: t.TrailARN!.split(":")[4] === ctx.aws.accountId,
        is_logging: status.IsLogging ?? false,
        latest_delivery_time: asDate(status.LatestDeliveryTime),
        latest_delivery_error: status.LatestDeliveryError ?? null,
        log_file_validation: t.LogFileValidationEnabled ?? false,
        kms_key_id: t.KmsKeyId ?? null,
        s3_bucket: t.S3BucketName ?? null,
        cloudwatch_logs_log_group_arn: t.CloudWatchLogsLogGroupArn ?? null,
        include_global_service_events: t.IncludeGlobalServiceEvents ?? false,
        management_events: advanced.length > 0 ? mgmtAdvanced : mgmtClassic.length > 0,
        management_read_write: advanced.length > 0 ? (mgmtAdvanced ? "All" : null) : rw,
        uses_advanced_selectors: advanced.length > 0,
        event_selectors: classic,
        advanced_event_selectors: advanced,
      });
    }
    return rows;
  },
});
