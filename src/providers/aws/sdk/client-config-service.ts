/** @aws-sdk/client-config-service, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-config-service") = requireSdk("@aws-sdk/client-config-service");

export const {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
} = sdk;
export type ConfigServiceClient = InstanceType<typeof ConfigServiceClient>;
