/**
 * aws.logs.logGroups — one row per CloudWatch Logs log group in the region (DescribeLogGroups, every page).
 * A log group without retentionInDays never expires: retention_days is null and never_expires true.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
} from "../../../providers/aws/sdk/client-cloudwatch-logs.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const logGroups = defineAwsQuery({
  id: "aws.logs.logGroups",
  scope: "region",
  title: "CloudWatch Logs log groups in the region",
  permissions: ["logs:DescribeLogGroups"],
  calls: ["CloudWatchLogs:DescribeLogGroups"],
  fields: {
    log_group_arn: "string: arn:aws:logs:<region>:<account>:log-group:<name> (without the :* suffix)",
    log_group_name: "string?: log group name",
    region: "string: region",
    retention_days: "double?: null when it never expires",
    never_expires: "bool: no retention is set",
    kms_key_id: "string?: the KMS key encrypting it",
    metric_filter_count: "double: number of metric filters",
    created: "timestamp?: when the group was created",
  },
  async fetch(ctx) {
    const client = ctx.aws.client(CloudWatchLogsClient);
    const all = (
      await paginateAws(
        (nextToken) => client.send(new DescribeLogGroupsCommand(nextToken ? { nextToken } : {})),
        (out) => out.nextToken,
        "CloudWatchLogs:DescribeLogGroups",
      )
    ).flatMap((out) => out.logGroups ?? []);
    return all.map((g) => ({
      log_group_arn: `arn:${ctx.aws.partition}:logs:${ctx.aws.region}:${ctx.aws.accountId}:log-group:${g.logGroupName}`,
      log_group_name: g.logGroupName ?? null,
      region: ctx.aws.region,
      retention_days: g.retentionInDays ?? null,
      never_expires: g.retentionInDays === undefined || g.retentionInDays === null,
      kms_key_id: g.kmsKeyId ?? null,
      metric_filter_count: g.metricFilterCount ?? 0,
      created: g.creationTime === undefined ? null : asDate(g.creationTime),
    }));
  },
});
