/** @aws-sdk/client-sso-admin, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-sso-admin") = requireSdk("@aws-sdk/client-sso-admin");

export const {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} = sdk;
export type SSOAdminClient = InstanceType<typeof SSOAdminClient>;
