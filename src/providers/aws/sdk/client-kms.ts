/** @aws-sdk/client-kms, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-kms") = requireSdk("@aws-sdk/client-kms");

export const {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  SignCommand,
} = sdk;
export type KMSClient = InstanceType<typeof KMSClient>;
