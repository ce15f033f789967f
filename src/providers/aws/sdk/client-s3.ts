/** @aws-sdk/client-s3, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-s3") = requireSdk("@aws-sdk/client-s3");

export const {
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutObjectCommand,
  S3Client,
} = sdk;
export type S3Client = InstanceType<typeof S3Client>;
