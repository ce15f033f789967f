/**
 * aws.s3.logArchiveBuckets — one row per log-archive bucket: every bucket a trail applying to the account
 * delivers to, plus the buckets the auditor names in the control parameter `log_archive_buckets` (e.g. the
 * Config or VPC flow-log archive). For each: its region (GetBucketLocation), versioning and MFA delete
 * (GetBucketVersioning) and Object Lock with its default retention (GetObjectLockConfiguration; a bucket
 * without Object Lock answers ObjectLockConfigurationNotFoundError — a finding, not an error).
 *
 * A bucket in another (log-archive) account answers AccessDenied or NoSuchBucket here: the query fails with
 * a message naming the bucket and that likely cause — never reports it as compliant or non-compliant.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import {
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  S3Client,
} from "../../../providers/aws/sdk/client-s3.js";
import { bucketCallFailed, regionOfBucket } from "./bucket-location.js";

/** Object Lock default retention in days: Years count 365 days each (the unit S3 itself uses for Years). */
export function retentionDays(r: { Days?: number; Years?: number } | undefined): number | null {
  if (!r) return null;
  if (typeof r.Days === "number") return r.Days;
  if (typeof r.Years === "number") return r.Years * 365;
  return null;
}

export const logArchiveBuckets = defineAwsQuery({
  id: "aws.s3.logArchiveBuckets",
  scope: "account",
  title: "Log-archive buckets (the trails' and those named in params): versioning and Object Lock retention",
  permissions: ["s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"],
  calls: ["S3:GetBucketVersioning", "S3:GetObjectLockConfiguration"],
  uses: ["aws.cloudtrail.trails", "aws.s3.bucketLocation"],
  controlParams: ["log_archive_buckets"],
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    properties: {
      log_archive_buckets: {
        type: "array",
        items: { type: "string", pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$" },
      },
    },
  },
  fields: {
    bucket: "string: the bucket name",
    bucket_arn: "string: arn:<partition>:s3:::<bucket>",
    region: "string: the bucket's region",
    sources: "list<string>: why it is in the population: trail:<name> for each delivering trail, or params",
    versioning_status: "string?: Enabled | Suspended, null when versioning was never enabled",
    versioning_enabled: "bool: versioning is Enabled",
    mfa_delete_enabled: "bool: MFA delete is Enabled",
    object_lock_enabled: "bool: Object Lock is enabled on the bucket",
    default_retention_mode: "string?: COMPLIANCE | GOVERNANCE, null without a default retention rule",
    default_retention_days: "double?: the default retention in days (Years × 365), null without a rule",
  },
  async fetch(ctx, params) {
    const trails = await ctx.query("aws.cloudtrail.trails");
    const sources = new Map<string, string[]>();
    const add = (bucket: string, source: string) => {
      const list = sources.get(bucket) ?? [];
      if (!list.includes(source)) list.push(source);
      sources.set(bucket, list);
    };
    for (const t of trails) if (typeof t.s3_bucket === "string") add(t.s3_bucket, `trail:${t.name}`);
    for (const b of (params.log_archive_buckets as string[] | undefined) ?? []) add(String(b), "params");
    const rows: Row[] = [];
    for (const [bucket, from] of [...sources].sort((a, b) => a[0].localeCompare(b[0]))) {
      const fail = (op: string) => bucketCallFailed(op, `log-archive bucket ${bucket} (${from.join(", ")})`);
      const region = await regionOfBucket(ctx, bucket).catch(fail("GetBucketLocation"));
      const s3 = ctx.aws.client(S3Client, region);
      const versioning = await s3
        .send(new GetBucketVersioningCommand({ Bucket: bucket }))
        .catch(fail("GetBucketVersioning"));
      const lock = await s3
        .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))
        .then((o) => o.ObjectLockConfiguration ?? null)
        .catch((e) =>
          isAwsError(e, "ObjectLockConfigurationNotFoundError")
            ? null
            : fail("GetObjectLockConfiguration")(e),
        );
      const retention = lock?.Rule?.DefaultRetention;
      rows.push({
        bucket,
        bucket_arn: `arn:${ctx.aws.partition}:s3:::${bucket}`,
        region,
        sources: from,
        versioning_status: versioning.Status ?? null,
        versioning_enabled: versioning.Status === "Enabled",
        mfa_delete_enabled: versioning.MFADelete === "Enabled",
        object_lock_enabled: lock?.ObjectLockEnabled === "Enabled",
        default_retention_mode: retention?.Mode ?? null,
        default_retention_days: retentionDays(retention),
      });
    }
    return rows;
  },
});
