/** @aws-sdk/client-ec2, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-ec2") = requireSdk("@aws-sdk/client-ec2");

export const { DescribeFlowLogsCommand, DescribeRegionsCommand, DescribeVpcsCommand, EC2Client } = sdk;
