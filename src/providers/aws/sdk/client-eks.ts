/** @aws-sdk/client-eks, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-eks") = requireSdk("@aws-sdk/client-eks");

export const {
  DescribeClusterCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
} = sdk;
export type EKSClient = InstanceType<typeof EKSClient>;
