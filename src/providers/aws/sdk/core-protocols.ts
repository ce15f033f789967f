/** @aws-sdk/core/protocols, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/core/protocols") = requireSdk("@aws-sdk/core/protocols");

export const { AwsJson1_1Protocol } = sdk;
export type AwsJson1_1Protocol = InstanceType<typeof AwsJson1_1Protocol>;
