/** @aws-sdk/client-cloudwatch, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-cloudwatch") = requireSdk("@aws-sdk/client-cloudwatch");

export const { CloudWatchClient, DescribeAlarmsCommand } = sdk;
export type CloudWatchClient = InstanceType<typeof CloudWatchClient>;
