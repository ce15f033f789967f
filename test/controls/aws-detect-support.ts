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
