/** @aws-sdk/client-iam, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-iam") = requireSdk("@aws-sdk/client-iam");

export const {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListVirtualMFADevicesCommand,
} = sdk;
export type IAMClient = InstanceType<typeof IAMClient>;
