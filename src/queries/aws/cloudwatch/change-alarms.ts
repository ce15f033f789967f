/**
 * aws.cloudwatch.changeAlarms — whether the CloudTrail events named in the query parameters raise an alarm
 * with an action: one row per account. The chain tested, for each required event name:
 *   a multi-region trail that is logging and records management write events (aws.cloudtrail.trails)
 *   → delivers to a CloudWatch Logs log group (its CloudWatchLogsLogGroupArn)
 *   → a metric filter on that log group whose pattern MATCHES a sample CloudTrail record of the event
 *     (evaluated with filter-pattern.ts, not compared as text)
 *   → the filter's metric has a metric alarm in the log group's region, with actions enabled and at least
 *     one alarm action (e.g. an SNS topic).
 * Filters may share the work (one per event is fine); an event is covered when some such chain exists.
 * Besides API events (`event_source` + `event_names`), a control may require named *scenarios*
 * (`scenarios`, see logs/sample-scenarios.ts: an unauthorized call, a console sign-in without MFA, root
 * activity, a failed sign-in); a scenario is covered when one filter with an alarm matches every sample record
 * of it.
 * When events are uncovered here but a qualifying trail delivers to a log group in another account (an
 * organization trail's), the answer cannot be known from this account: the query fails, saying so.
 */
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { matchesFilterPattern, type ParsedPattern, parseFilterPattern } from "../logs/filter-pattern.js";
import { sampleCloudTrailEvent } from "../logs/sample-events.js";
import { SCENARIO_NAMES, SCENARIOS } from "../logs/sample-scenarios.js";
import { parseLogGroupArn } from "../logs/trail-log-groups.js";

interface FilterReport {
  filter_name: string;
  log_group_arn: string;
  filter_pattern: string;
  pattern_problem: string | null;
  metric: string | null;
  matched_events: string[];
  alarms_with_actions: string[];
  alarms_without_actions: string[];
}

export const changeAlarms = defineAwsQuery({
  id: "aws.cloudwatch.changeAlarms",
  scope: "account",
  title: "CloudTrail events that raise a CloudWatch alarm with an action, through a matching metric filter",
  permissions: [],
  calls: [],
  uses: ["aws.cloudtrail.trails", "aws.logs.metricFilters", "aws.cloudwatch.alarms"],
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    // API events (a source and its event names), named scenarios, or both.
    anyOf: [{ required: ["event_source", "event_names"] }, { required: ["scenarios"] }],
    dependencies: { event_source: ["event_names"], event_names: ["event_source"] },
    properties: {
      event_source: { type: "string", pattern: "^[a-z0-9.-]+\\.amazonaws\\.com$" },
      event_names: { type: "array", minItems: 1, items: { type: "string", pattern: "^[A-Za-z0-9]+$" } },
      scenarios: { type: "array", minItems: 1, items: { enum: SCENARIO_NAMES } },
    },
  },
  fields: {
    account_arn: "string: arn:<partition>:iam::<account>:root (the row's identity)",
    event_source: "string?: the CloudTrail eventSource of the required API events (null: scenarios only)",
    required_events: "list<string>: event names and scenario names that must raise an alarm",
    covered_events:
      "list<string>: required events matched by a filter whose metric has an alarm with an action",
    missing_events: "list<string>: required events not covered",
    trail_log_groups:
      "list<string>: log groups (ARNs, this account) written by multi-region, logging trails recording management writes",
    other_account_log_groups: "list<string>: such log groups in other accounts (not readable from here)",
    filters:
      "list<map<string, dyn>>: every metric filter on those log groups, with the events it matches and its alarms",
  },
  async fetch(ctx, params) {
    const source = typeof params.event_source === "string" ? params.event_source : null;
    const eventNames = ((params.event_names as string[] | undefined) ?? []).map(String);
    const scenarios = ((params.scenarios as string[] | undefined) ?? []).map(String);
    const names = [...eventNames, ...scenarios];
    const where = { account: ctx.aws.accountId, region: ctx.aws.homeRegion };
    const samples = [
      ...eventNames.map((n) => ({ name: n, events: [sampleCloudTrailEvent(String(source), n, where)] })),
      ...scenarios.map((n) => {
        const build = SCENARIOS[n];
        if (!build) throw new Error(`unknown alarm scenario ${n}`);
        return { name: n, events: build(where) };
      }),
    ];
    // A trail that excludes the management events of any required source cannot feed the alarm for it.
    const sources = new Set(samples.flatMap((x) => x.events.map((e) => String(e.eventSource))));
    const trails = await ctx.query("aws.cloudtrail.trails");
    const local = new Map<string, ReturnType<typeof parseLogGroupArn>>();
    const foreign = new Set<string>();
    for (const t of trails) {
      if (!(t.is_multi_region === true && t.is_logging === true && t.management_writes === true)) continue;
      if ((t.excluded_management_sources as string[]).some((x) => sources.has(x))) continue;
      if (typeof t.cloudwatch_logs_log_group_arn !== "string") continue;
      const ref = parseLogGroupArn(t.cloudwatch_logs_log_group_arn);
      if (ref.account === ctx.aws.accountId) local.set(ref.arn, ref);
      else foreign.add(ref.arn);
    }
    const reports: FilterReport[] = [];
    const covered = new Set<string>();
    for (const ref of [...local.values()].sort((a, b) => a.arn.localeCompare(b.arn))) {
      const [filters, alarms] = await Promise.all([
        ctx.query("aws.logs.metricFilters", {}, { region: ref.region }),
        ctx.query("aws.cloudwatch.alarms", {}, { region: ref.region }),
      ]);
      for (const f of filters.filter((x) => x.log_group_name === ref.name)) {
        const pattern = String(f.filter_pattern ?? "");
        let parsed: ParsedPattern | null = null;
        let problem: string | null = null;
        try {
          parsed = parseFilterPattern(pattern);
        } catch (e) {
          problem = (e as Error).message;
        }
        const matched = parsed
          ? samples.filter((s) => s.events.every((e) => matchesFilterPattern(parsed, e))).map((s) => s.name)
          : [];
        const onMetric = alarms.filter((a) =>
          (a.metrics as { namespace: string; metric_name: string }[]).some(
            (m) => m.namespace === f.metric_namespace && m.metric_name === f.metric_name,
          ),
        );
        const withActions = onMetric.filter(
          (a) => a.actions_enabled === true && (a.alarm_actions as string[]).length > 0,
        );
        if (withActions.length > 0) for (const n of matched) covered.add(n);
        reports.push({
          filter_name: String(f.filter_name),
          log_group_arn: ref.arn,
          filter_pattern: pattern,
          pattern_problem: problem,
          metric: f.metric_name ? `${f.metric_namespace}/${f.metric_name}` : null,
          matched_events: matched,
          alarms_with_actions: withActions.map((a) => String(a.alarm_name)),
          alarms_without_actions: onMetric
            .filter((a) => !withActions.includes(a))
            .map((a) => String(a.alarm_name)),
        });
      }
    }
    const missing = names.filter((n) => !covered.has(n));
    if (missing.length > 0 && foreign.size > 0) {
      throw new Error(
        `cannot decide from account ${ctx.aws.accountId}: ${missing.length} required ${source ?? "scenario"} events have no alarm on this account's log groups, and a qualifying trail delivers to ${[...foreign].sort().join(", ")} in another account, whose metric filters and alarms can only be read there — evaluate this control in that account`,
      );
    }
    const row: Row = {
      account_arn: `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`,
      event_source: source,
      required_events: names,
      covered_events: names.filter((n) => covered.has(n)),
      missing_events: missing,
      trail_log_groups: [...local.keys()].sort(),
      other_account_log_groups: [...foreign].sort(),
      filters: reports,
    };
    return [row];
  },
});
