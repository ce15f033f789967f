/** @aws-sdk/client-guardduty, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-guardduty") = requireSdk("@aws-sdk/client-guardduty");

export const {
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListMembersCommand,
} = sdk;
export type GuardDutyClient = InstanceType<typeof GuardDutyClient>;
