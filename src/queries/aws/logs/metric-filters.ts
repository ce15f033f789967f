/**
 * aws.logs.metricFilters — one row per CloudWatch Logs metric filter in the region (DescribeMetricFilters,
 * every page), with the metric it publishes.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  CloudWatchLogsClient,
  DescribeMetricFiltersCommand,
} from "../../../providers/aws/sdk/client-cloudwatch-logs.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const metricFilters = defineAwsQuery({
  id: "aws.logs.metricFilters",
  scope: "region",
  title: "CloudWatch Logs metric filters in the region",
  permissions: ["logs:DescribeMetricFilters"],
  calls: ["CloudWatchLogs:DescribeMetricFilters"],
  fields: {
    filter_arn:
      "string: arn:aws:logs:<region>:<account>:log-group:<group>:metric-filter/<name> (identifies the row)",
    filter_name: "string?: filter name",
    log_group_name: "string?: log group name",
    region: "string: region",
    filter_pattern: "string: the pattern text (empty matches every event)",
    metric_name: "string?: the metric it publishes",
    metric_namespace: "string?: the metric's namespace",
    metric_dimensions: "map<string, string>?: dimension name to field, or null",
    created: "timestamp?: when the filter was created",
  },
  async fetch(ctx) {
    const client = ctx.aws.client(CloudWatchLogsClient);
    const all = (
      await paginateAws(
        (nextToken) => client.send(new DescribeMetricFiltersCommand(nextToken ? { nextToken } : {})),
        (out) => out.nextToken,
        "CloudWatchLogs:DescribeMetricFilters",
      )
    ).flatMap((out) => out.metricFilters ?? []);
    return all.map((f) => {
      const t = f.metricTransformations?.[0];
      return {
        filter_arn: `arn:${ctx.aws.partition}:logs:${ctx.aws.region}:${ctx.aws.accountId}:log-group:${f.logGroupName}:metric-filter/${f.filterName}`,
        filter_name: f.filterName ?? null,
        log_group_name: f.logGroupName ?? null,
        region: ctx.aws.region,
        filter_pattern: f.filterPattern ?? "",
        metric_name: t?.metricName ?? null,
        metric_namespace: t?.metricNamespace ?? null,
        metric_dimensions: t?.dimensions && Object.keys(t.dimensions).length > 0 ? t.dimensions : null,
        created: f.creationTime === undefined ? null : asDate(f.creationTime),
      };
    });
  },
});
