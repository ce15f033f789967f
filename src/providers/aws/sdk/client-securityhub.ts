/** @aws-sdk/client-securityhub, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-securityhub") = requireSdk("@aws-sdk/client-securityhub");

export const { DescribeHubCommand, SecurityHubClient } = sdk;
export type SecurityHubClient = InstanceType<typeof SecurityHubClient>;
