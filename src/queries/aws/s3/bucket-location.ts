/**
 * aws.s3.bucketLocation — one bucket's region (GetBucketLocation), asked once per run and bucket: the trail
 * buckets query and the log-archive buckets query both need the region of every trail bucket before they can
 * ask the bucket's own settings in that region, and through the run cache they share the one call.
 */

import { errorMessage } from "../../../core/errors.js";
import type { QueryContext } from "../../../core/query.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import { GetBucketLocationCommand, S3Client } from "../../../providers/aws/sdk/client-s3.js";

/** GetBucketLocation's LocationConstraint → region: empty means us-east-1, "EU" is the legacy eu-west-1. */
export function bucketRegion(constraint: string | null | undefined): string {
  if (!constraint) return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

export const bucketLocation = defineAwsQuery({
  id: "aws.s3.bucketLocation",
  scope: "account",
  title: "The region of one S3 bucket (GetBucketLocation), shared by the bucket queries",
  permissions: ["s3:GetBucketLocation"],
  calls: ["S3:GetBucketLocation"],
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["bucket"],
    properties: { bucket: { type: "string", minLength: 3 } },
  },
  fields: {
    bucket: "string: the bucket name",
    region: "string: the bucket's region",
  },
  async fetch(ctx, params) {
    const bucket = String(params.bucket);
    // Asked in the home region: GetBucketLocation answers for a bucket in any region.
    const location = await ctx.aws
      .client(S3Client, ctx.aws.homeRegion)
      .send(new GetBucketLocationCommand({ Bucket: bucket }));
    return [{ bucket, region: bucketRegion(location.LocationConstraint) }];
  },
});

/** The region of `bucket`, through the run cache (the asking query must declare aws.s3.bucketLocation in uses). */
export async function regionOfBucket(ctx: Pick<QueryContext, "query">, bucket: string): Promise<string> {
  const [row] = await ctx.query("aws.s3.bucketLocation", { bucket });
  return String(row?.region);
}

/**
 * A `.catch` for a call about one bucket the account may not own: it fails the bucket's row with the
 * operation, the bucket (`what`, e.g. "trail bucket b (trail t)") and, on AccessDenied / NoSuchBucket, the
 * likely cause — a bucket in another (log-archive) account — never a verdict on that bucket.
 */
export function bucketCallFailed(op: string, what: string) {
  return (e: unknown): never => {
    const name = (e as { name?: string }).name ?? "Error";
    const hint = isAwsError(e, "AccessDenied", "NoSuchBucket", "AllAccessDisabled")
      ? " — the bucket is probably in another (log-archive) account; evaluate this control in the account that owns it"
      : "";
    throw new Error(`${op} on ${what} failed: ${name}: ${errorMessage(e)}${hint}`);
  };
}
