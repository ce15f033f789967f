/** @aws-sdk/client-cloudtrail, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-cloudtrail") = requireSdk("@aws-sdk/client-cloudtrail");

export const {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
} = sdk;
export type CloudTrailClient = InstanceType<typeof CloudTrailClient>;
