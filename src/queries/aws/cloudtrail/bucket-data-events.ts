/**
 * aws.cloudtrail.trailBucketDataEvents — one row per S3 bucket that a trail applying to the account delivers
 * its log files to, with the logging trails that record S3 object-level (data) events for every object of
 * that bucket: reads (GetObject …) and writes (PutObject, DeleteObject …). Derived from aws.cloudtrail.trails
 * (no further API calls), so an access to the audit logs themselves leaves a trace.
 */
import type { AdvancedEventSelector, EventSelector } from "@aws-sdk/client-cloudtrail";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { s3DataEventCoverage } from "./selectors.js";

export const trailBucketDataEvents = defineAwsQuery({
  id: "aws.cloudtrail.trailBucketDataEvents",
  scope: "account",
  title: "CloudTrail log buckets and the logging trails recording S3 data events on them",
  permissions: [],
  calls: [],
  uses: ["aws.cloudtrail.trails"],
  fields: {
    bucket: "string: bucket name",
    bucket_arn: "string: arn:aws:s3:::<bucket>",
    used_by_trails: "list<string>: names of the trails delivering to the bucket",
    read_recorded_by: "list<string>: names of logging trails recording read data events on every object",
    write_recorded_by: "list<string>: names of logging trails recording write data events on every object",
  },
  async fetch(ctx) {
    const trails = await ctx.query("aws.cloudtrail.trails");
    const buckets = [...new Set(trails.map((t) => t.s3_bucket).filter((b): b is string => !!b))].sort();
    return buckets.map((bucket): Row => {
      const read: string[] = [];
      const write: string[] = [];
      for (const t of trails) {
        if (t.is_logging !== true) continue;
        const cov = s3DataEventCoverage(
          t.event_selectors as EventSelector[],
          t.advanced_event_selectors as AdvancedEventSelector[],
          bucket,
          ctx.aws.partition,
        );
        if (cov.read) read.push(String(t.name));
        if (cov.write) write.push(String(t.name));
      }
      return {
        bucket,
        bucket_arn: `arn:${ctx.aws.partition}:s3:::${bucket}`,
        used_by_trails: trails.filter((t) => t.s3_bucket === bucket).map((t) => String(t.name)),
        read_recorded_by: read,
        write_recorded_by: write,
      };
    });
  },
});
