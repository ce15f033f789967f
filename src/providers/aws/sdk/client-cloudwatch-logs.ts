/** @aws-sdk/client-cloudwatch-logs, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-cloudwatch-logs") = requireSdk("@aws-sdk/client-cloudwatch-logs");

export const { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeMetricFiltersCommand } = sdk;
export type CloudWatchLogsClient = InstanceType<typeof CloudWatchLogsClient>;
