/**
 * aws.cloudwatch.alarms — one row per CloudWatch metric alarm in the region (DescribeAlarms, every page),
 * with the metrics it watches (its own MetricName/Namespace, or the MetricStat metrics of a metric-math
 * alarm) and its actions.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import { CloudWatchClient, DescribeAlarmsCommand } from "../../../providers/aws/sdk/client-cloudwatch.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const alarms = defineAwsQuery({
  id: "aws.cloudwatch.alarms",
  scope: "region",
  title: "CloudWatch metric alarms in the region, with their metrics and actions",
  permissions: ["cloudwatch:DescribeAlarms"],
  calls: ["CloudWatch:DescribeAlarms"],
  fields: {
    alarm_arn: "string?: alarm ARN",
    alarm_name: "string?: alarm name",
    region: "string: region",
    metrics: "list<map<string, string?>>: {namespace, metric_name} the alarm evaluates",
    actions_enabled: "bool: the alarm's actions are enabled",
    alarm_actions: "list<string>: action ARNs run when the alarm fires (SNS topics, …)",
    state: "string?: OK | ALARM | INSUFFICIENT_DATA",
    threshold: "double?: the threshold, or null for a metric-math or anomaly alarm",
    comparison_operator: "string?: e.g. GreaterThanOrEqualToThreshold",
    updated: "timestamp?: when the alarm's configuration last changed",
  },
  async fetch(ctx) {
    const client = ctx.aws.client(CloudWatchClient);
    const all = (
      await paginateAws(
        (NextToken) =>
          client.send(
            new DescribeAlarmsCommand({ AlarmTypes: ["MetricAlarm"], ...(NextToken ? { NextToken } : {}) }),
          ),
        (out) => out.NextToken,
        "CloudWatch:DescribeAlarms",
      )
    ).flatMap((out) => out.MetricAlarms ?? []);
    return all.map((a) => {
      const metrics: { namespace: string; metric_name: string }[] = [];
      if (a.MetricName && a.Namespace) metrics.push({ namespace: a.Namespace, metric_name: a.MetricName });
      for (const q of a.Metrics ?? []) {
        const m = q.MetricStat?.Metric;
        if (m?.MetricName && m.Namespace) metrics.push({ namespace: m.Namespace, metric_name: m.MetricName });
      }
      return {
        alarm_arn: a.AlarmArn ?? null,
        alarm_name: a.AlarmName ?? null,
        region: ctx.aws.region,
        metrics,
        actions_enabled: a.ActionsEnabled ?? false,
        alarm_actions: a.AlarmActions ?? [],
        state: a.StateValue ?? null,
        threshold: a.Threshold ?? null,
        comparison_operator: a.ComparisonOperator ?? null,
        updated: asDate(a.AlarmConfigurationUpdatedTimestamp),
      };
    });
  },
});
