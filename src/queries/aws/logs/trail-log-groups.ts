/**
 * aws.logs.trailLogGroups — one row per CloudWatch Logs log group that a trail applying to the account
 * delivers to (the trail's CloudWatchLogsLogGroupArn), with its retention from DescribeLogGroups in the log
 * group's region. A log group in another account (typically an organization trail's, in the management or
 * log-archive account) cannot be read from here: the query fails, naming it, instead of guessing.
 */
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { readEach } from "../../items.js";
import { trailConfigurations } from "../cloudtrail/trails.js";

export interface LogGroupRef {
  arn: string;
  account: string;
  region: string;
  name: string;
}

/** arn:aws:logs:us-east-1:111122223333:log-group:NAME:* → its parts (the ":*" suffix dropped). */
export function parseLogGroupArn(arn: string): LogGroupRef {
  const m = /^arn:([^:]+):logs:([^:]+):(\d{12}):log-group:(.+?)(:\*)?$/.exec(arn);
  if (!m) throw new Error(`not a CloudWatch Logs log group ARN: ${arn}`);
  return {
    arn: `arn:${m[1]}:logs:${m[2]}:${m[3]}:log-group:${m[4]}`,
    account: m[3]!,
    region: m[2]!,
    name: m[4]!,
  };
}

export const trailLogGroups = defineAwsQuery({
  id: "aws.logs.trailLogGroups",
  scope: "account",
  title: "CloudWatch Logs log groups that CloudTrail trails deliver to, with retention",
  permissions: [],
  calls: [],
  uses: ["aws.cloudtrail.trails", "aws.logs.logGroups"],
  fields: {
    log_group_arn: "string: arn:aws:logs:<region>:<account>:log-group:<name>",
    log_group_name: "string: log group name",
    region: "string: region of the log group",
    trails: "list<string>: names of the trails delivering to it",
    exists: "bool: DescribeLogGroups lists it",
    retention_days: "double?: null when it never expires, or the group does not exist",
    never_expires: "bool: no retention is set",
  },
  async fetch(ctx) {
    const { trails, problems } = await trailConfigurations(ctx);
    const byArn = new Map<string, { ref: LogGroupRef; trails: string[] }>();
    for (const t of trails) {
      if (typeof t.cloudwatch_logs_log_group_arn !== "string") continue;
      const ref = parseLogGroupArn(t.cloudwatch_logs_log_group_arn);
      const entry = byArn.get(ref.arn) ?? { ref, trails: [] };
      entry.trails.push(String(t.name));
      byArn.set(ref.arn, entry);
    }
    const sorted = [...byArn.values()].sort((a, b) => a.ref.arn.localeCompare(b.ref.arn));
    const readGroup = async ({ ref, trails: names }: (typeof sorted)[number]): Promise<Row> => {
      if (ref.account !== ctx.aws.accountId) {
        throw new Error(
          `log group ${ref.arn} (written by trail ${names.join(", ")}) belongs to account ${ref.account}; its settings can only be read in that account — evaluate this control there`,
        );
      }
      const groups = await ctx.query("aws.logs.logGroups", {}, { region: ref.region });
      const g = groups.find((x) => x.log_group_name === ref.name);
      return {
        log_group_arn: ref.arn,
        log_group_name: ref.name,
        region: ref.region,
        trails: names,
        exists: g !== undefined,
        retention_days: (g?.retention_days as number | null | undefined) ?? null,
        never_expires: g ? g.never_expires === true : false,
      };
    };
    // A log group in another account, or one whose region cannot be listed, is an error finding for that
    // log group alone.
    const read = await readEach(
      sorted,
      readGroup,
      ({ ref, trails: names }) => ({
        log_group_arn: ref.arn,
        log_group_name: ref.name,
        region: ref.region,
        trails: names,
      }),
      { sequential: true },
    );
    return { rows: read.rows, problems: [...problems, ...read.problems] };
  },
});
