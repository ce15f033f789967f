/** @aws-sdk/client-s3-control, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-s3-control") = requireSdk("@aws-sdk/client-s3-control");

export const { GetPublicAccessBlockCommand, S3ControlClient } = sdk;
export type S3ControlClient = InstanceType<typeof S3ControlClient>;
