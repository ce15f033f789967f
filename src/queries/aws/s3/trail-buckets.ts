/**
 * aws.s3.trailBuckets — one row per S3 bucket that a trail applying to the account delivers its log files
 * to: the bucket's region (GetBucketLocation), its Block Public Access settings (GetPublicAccessBlock; no
 * configuration at all is NoSuchPublicAccessBlockConfiguration, reported as not configured — a finding, not
 * an error) and its server access logging (GetBucketLogging), asked in the bucket's region.
 *
 * A trail bucket often lives in another (log-archive) account: this account then gets AccessDenied (or
 * NoSuchBucket). The query fails with a message naming the bucket and that likely cause — it never reports
 * such a bucket as compliant or non-compliant.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import {
  GetBucketLoggingCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "../../../providers/aws/sdk/client-s3.js";
import { readEach } from "../../items.js";
import { trailConfigurations } from "../cloudtrail/trails.js";
import { bucketCallFailed, regionOfBucket } from "./bucket-location.js";

export const trailBuckets = defineAwsQuery({
  id: "aws.s3.trailBuckets",
  scope: "account",
  title: "S3 buckets receiving CloudTrail log files: Block Public Access and server access logging",
  permissions: ["s3:GetBucketPublicAccessBlock", "s3:GetBucketLogging"],
  calls: ["S3:GetPublicAccessBlock", "S3:GetBucketLogging"],
  uses: ["aws.cloudtrail.trails", "aws.s3.bucketLocation"],
  fields: {
    bucket: "string: bucket name",
    bucket_arn: "string: arn:aws:s3:::<bucket>",
    region: "string: the bucket's region",
    trails: "list<string>: names of the trails delivering to it",
    public_access_block_configured: "bool: the bucket has a Block Public Access configuration",
    block_public_acls: "bool: BlockPublicAcls",
    ignore_public_acls: "bool: IgnorePublicAcls",
    block_public_policy: "bool: BlockPublicPolicy",
    restrict_public_buckets: "bool: RestrictPublicBuckets",
    all_public_access_blocked: "bool: all four settings are on",
    access_logging_enabled: "bool: server access logging is on",
    access_log_target_bucket: "string?: where access logs go",
    access_log_target_prefix: "string?: the access log prefix",
  },
  async fetch(ctx) {
    const { trails, problems } = await trailConfigurations(ctx);
    const buckets = new Map<string, string[]>();
    for (const t of trails) {
      if (typeof t.s3_bucket !== "string") continue;
      buckets.set(t.s3_bucket, [...(buckets.get(t.s3_bucket) ?? []), String(t.name)]);
    }
    const sorted = [...buckets].sort((a, b) => a[0].localeCompare(b[0]));
    const readBucket = async ([bucket, names]: [string, string[]]): Promise<Row> => {
      const fail = (op: string) => bucketCallFailed(op, `trail bucket ${bucket} (trail ${names.join(", ")})`);
      const region = await regionOfBucket(ctx, bucket).catch(fail("GetBucketLocation"));
      const s3 = ctx.aws.client(S3Client, region);
      const pab = await s3
        .send(new GetPublicAccessBlockCommand({ Bucket: bucket }))
        .then((o) => o.PublicAccessBlockConfiguration ?? null)
        .catch((e) =>
          isAwsError(e, "NoSuchPublicAccessBlockConfiguration") ? null : fail("GetPublicAccessBlock")(e),
        );
      const logging = await s3
        .send(new GetBucketLoggingCommand({ Bucket: bucket }))
        .catch(fail("GetBucketLogging"));
      const flags = {
        block_public_acls: pab?.BlockPublicAcls === true,
        ignore_public_acls: pab?.IgnorePublicAcls === true,
        block_public_policy: pab?.BlockPublicPolicy === true,
        restrict_public_buckets: pab?.RestrictPublicBuckets === true,
      };
      return {
        bucket,
        bucket_arn: `arn:${ctx.aws.partition}:s3:::${bucket}`,
        region,
        trails: names,
        public_access_block_configured: pab !== null,
        ...flags,
        all_public_access_blocked: Object.values(flags).every(Boolean),
        access_logging_enabled: !!logging.LoggingEnabled?.TargetBucket,
        access_log_target_bucket: logging.LoggingEnabled?.TargetBucket ?? null,
        access_log_target_prefix: logging.LoggingEnabled?.TargetPrefix ?? null,
      };
    };
    // A bucket that cannot be read (often: it lives in a log-archive account) is an error finding for that
    // bucket; the other trail buckets are still evaluated.
    const read = await readEach(
      sorted,
      readBucket,
      ([bucket, names]) => ({ bucket, bucket_arn: `arn:${ctx.aws.partition}:s3:::${bucket}`, trails: names }),
      { sequential: true },
    );
    return { rows: read.rows, problems: [...problems, ...read.problems] };
  },
});
