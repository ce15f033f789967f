/** @aws-sdk/client-sts, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-sts") = requireSdk("@aws-sdk/client-sts");

export const { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } = sdk;
export type STSClient = InstanceType<typeof STSClient>;
