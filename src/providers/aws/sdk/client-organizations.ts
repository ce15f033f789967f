/** @aws-sdk/client-organizations, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-organizations") = requireSdk("@aws-sdk/client-organizations");

export const {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} = sdk;
export type OrganizationsClient = InstanceType<typeof OrganizationsClient>;
