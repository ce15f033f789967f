/**
 * CloudTrail management events over the audit period, from the account-region's event history
 * (LookupEvents): the population of changes, sign-ins and other activity event-based controls test.
 *
 * - One lookup attribute per LookupEvents call (the API accepts exactly one), so `aws.cloudtrail.events`
 *   asks `aws.cloudtrail.lookupEvents` once per event source or event name a control needs, through the run
 *   cache: two controls over IAM events share one listing.
 * - StartTime / EndTime are the period; every page is recorded (the raw evidence) and none is kept here:
 *   each page is normalised as it arrives (normalise-event.ts), so 100,000 events stream through without
 *   holding raw pages twice.
 * - Both queries stream (QueryDef.stream): when the run proves one control reads a population, its pages go
 *   into that control's evaluation as they arrive (newest-first-merge.ts puts them in the population's
 *   order) and the rows are garbage after — a million-event organization run no longer holds every row.
 * - The request rate (2 per second per account and region, documented by CloudTrail) is respected by the
 *   session's rate limiter (providers/aws/rate-limit.ts), not by provoking throttling; a throttle that
 *   outlasts the SDK's retries, or a page that cannot be read, fails the listing — the controls are `error`.
 * - Coverage: event history keeps 90 days. A period starting earlier is refused ("period not covered by the
 *   event source"), never answered with a population that silently starts later.
 */
import type { LookupAttributeKey } from "@aws-sdk/client-cloudtrail";
import type { Row } from "../../../core/types.js";
import { type AwsQueryContext, defineAwsQuery } from "../../../providers/aws/context.js";
import { CloudTrailClient, LookupEventsCommand } from "../../../providers/aws/sdk/client-cloudtrail.js";
import { forEachAwsPage } from "../paginate.js";
import { NewestFirstMerge } from "./newest-first-merge.js";
import { type LookupEvent, normaliseEvent, UnreadableEventError } from "./normalise-event.js";

/** CloudTrail event history retention (the oldest event LookupEvents can return). */
export const EVENT_HISTORY_DAYS = 90;
/** LookupEvents' largest page. */
const PAGE_SIZE = 50;
/** 20,000 pages = 1,000,000 events of one attribute in one account-region: beyond that, refuse. */
const MAX_PAGES = 20_000;

const ATTRIBUTES = ["EventSource", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName"];

export const EVENT_FIELDS: Record<string, string> = {
  event_id: "string: the CloudTrail event id",
  time: "timestamp: when the request was made (eventTime)",
  event_source: "string: the service, e.g. iam.amazonaws.com",
  event_name: "string: the API action or event, e.g. CreateAccessKey, ConsoleLogin",
  event_type: "string: AwsApiCall | AwsConsoleSignIn | AwsServiceEvent | …",
  region: "string: the region the request was made in (awsRegion)",
  account: "string: the account that received the request (recipientAccountId)",
  read_only: "bool: the request only read",
  management_event: "bool: a management event",
  error_code: "string?: the error the request ended with (AccessDenied, …); null when it succeeded",
  error_message: "string?: the error message",
  actor_type: "string: iam_user | assumed_role | identity_center | root | aws_service | federateduser | …",
  actor: "string: who acted: the IAM user name, role/session, the Identity Center user, root, the service",
  actor_arn: "string?: the caller's ARN",
  principal_id: "string?: the caller's principal id",
  human:
    "bool: a person (IAM user, root, Identity Center or federated user), not a role session of automation",
  user_name: "string?: the IAM user name",
  role_name: "string?: the assumed role (for Identity Center: AWSReservedSSO_<permission set>_<id>)",
  role_arn: "string?: the assumed role's ARN",
  session_name: "string?: the role session name",
  sso_user: "string?: the Identity Center user (the session name of an AWSReservedSSO_* role session)",
  sso_user_id: "string?: the Identity Store user id (requests made on behalf of an Identity Center user)",
  permission_set: "string?: the Identity Center permission set behind an AWSReservedSSO_* role",
  invoked_by: "string?: the AWS service that made the request on the caller's behalf",
  mfa_used: "bool?: MFA was used (console sign-in: MFAUsed; sessions: mfaAuthenticated); null if unknown",
  source_ip: "string?: the source IP address (or the calling service's name)",
  user_agent: "string?: the user agent",
  request_parameters: "dyn: the request parameters as CloudTrail recorded them (null when none)",
  console_login: "string?: ConsoleLogin result (Success | Failure) for console sign-in events",
  resources: "list<map<string, string>>: the resources named by the event ({type, name})",
  resource_names: "list<string>: the names of those resources",
};

export class PeriodNotCoveredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeriodNotCovered";
  }
}

/** Throws PeriodNotCoveredError when the period starts before the oldest event the history can return. */
export function assertEventHistoryCovers(period: { start: Date }, now: Date): void {
  const oldest = new Date(now.getTime() - EVENT_HISTORY_DAYS * 86_400_000);
  if (period.start.getTime() < oldest.getTime())
    throw new PeriodNotCoveredError(
      `period not covered by the event source: CloudTrail event history keeps ${EVENT_HISTORY_DAYS} days ` +
        `(oldest available ${oldest.toISOString()}), the period starts ${period.start.toISOString()}; ` +
        "a shorter population would read as complete (use a period within the last 90 days)",
    );
}

export const lookupEvents = defineAwsQuery({
  id: "aws.cloudtrail.lookupEvents",
  scope: "region",
  title: "CloudTrail management events of the audit period matching one lookup attribute (event history)",
  permissions: ["cloudtrail:LookupEvents"],
  calls: ["CloudTrail:LookupEvents"],
  fields: EVENT_FIELDS,
  paramsSchema: {
    type: "object",
    required: ["attribute", "value"],
    additionalProperties: false,
    properties: { attribute: { enum: ATTRIBUTES }, value: { type: "string", minLength: 1 } },
  },
  async fetch(ctx, params) {
    const rows: Row[] = [];
    await listLookup(ctx, params, (page) => {
      for (const row of page) rows.push(row);
    });
    return rows;
  },
  // Page by page, in the listing's order (newest first), when the run streams it (QueryDef.stream).
  async stream(ctx, params, sink) {
    await listLookup(ctx, params, (page, n) => sink.rows(page, n));
    return {};
  },
});

/** One lookup's listing: each page's rows (normalised, within the period), in the API's order. */
async function listLookup(
  ctx: AwsQueryContext,
  params: Record<string, unknown>,
  onPage: (rows: Row[], pageNumber: number) => void,
): Promise<void> {
  assertEventHistoryCovers(ctx.period, ctx.now);
  const attribute = String(params.attribute) as LookupAttributeKey;
  const value = String(params.value);
  const client = ctx.aws.client(CloudTrailClient);
  const { start, end } = ctx.period;
  const op = `CloudTrail:LookupEvents ${attribute}=${value} in ${ctx.aws.accountId}/${ctx.aws.region}`;
  await forEachAwsPage(
    (NextToken) =>
      client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: attribute, AttributeValue: value }],
          StartTime: start,
          EndTime: end,
          MaxResults: PAGE_SIZE,
          ...(NextToken ? { NextToken } : {}),
        }),
      ),
    (page) => page.NextToken,
    (page, n) => {
      // CloudTrail answers every page with an Events list (`[]` when none matched): a page without one is an
      // empty or garbled answer, and reading it as "no events" would make a population look complete. An empty
      // body is already refused on the wire (answer-body.ts); this catches a document without the list (`{}`)
      // and a recorded page read back by replay or reperform, which never reaches the wire.
      if (!Array.isArray(page.Events))
        throw new Error(
          `${op}: page ${n} has no Events list (an empty or garbled answer); the population cannot be read`,
        );
      const rows: Row[] = [];
      for (const e of page.Events as LookupEvent[]) {
        let row: Row;
        try {
          row = normaliseEvent(e);
        } catch (err) {
          if (err instanceof UnreadableEventError) throw new Error(`${op}: page ${n}: ${err.message}`);
          throw err;
        }
        const t = (row.time as Date).getTime();
        // The API filters by StartTime/EndTime; an event outside them is not of this population.
        if (t >= start.getTime() && t <= end.getTime()) rows.push(row);
      }
      onPage(rows, n);
    },
    op,
    MAX_PAGES,
  );
}

/** The LookupEvents listings (one attribute each) `aws.cloudtrail.events` reads for these params. */
function lookupsOf(params: Record<string, unknown>): { attribute: string; value: string }[] {
  const lookups = [
    ...((params.event_sources as string[] | undefined) ?? []).map((value) => ({
      attribute: "EventSource",
      value,
    })),
    ...((params.event_names as string[] | undefined) ?? []).map((value) => ({
      attribute: "EventName",
      value,
    })),
    ...((params.usernames as string[] | undefined) ?? []).map((value) => ({
      attribute: "Username",
      value,
    })),
    ...(params.read_only === false ? [{ attribute: "ReadOnly", value: "false" }] : []),
  ];
  // No lookup would be an empty population that reads as "nothing happened": refuse instead.
  if (lookups.length === 0)
    throw new Error("aws.cloudtrail.events: no event source, event name, user name or read_only to look up");
  return lookups;
}

export const events = defineAwsQuery({
  id: "aws.cloudtrail.events",
  scope: "region",
  title:
    "CloudTrail management events of the audit period from the given event sources, event names or user names, or every write event (event history)",
  permissions: ["cloudtrail:LookupEvents"],
  calls: ["CloudTrail:LookupEvents"],
  uses: ["aws.cloudtrail.lookupEvents"],
  fields: EVENT_FIELDS,
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    properties: {
      event_sources: { type: "array", items: { type: "string" }, minItems: 1 },
      event_names: { type: "array", items: { type: "string" }, minItems: 1 },
      usernames: { type: "array", items: { type: "string" }, minItems: 1 },
      /** `false`: every write event (LookupEvents ReadOnly=false), for populations of all changes. */
      read_only: { const: false },
    },
    minProperties: 1,
  },
  asksFor: (params) => lookupsOf(params).map((l) => ({ id: "aws.cloudtrail.lookupEvents", params: l })),
  async fetch(ctx, params) {
    const lookups = lookupsOf(params);
    const parts = await Promise.all(lookups.map((l) => ctx.query("aws.cloudtrail.lookupEvents", l)));
    const byId = new Map<string, Row>();
    for (const rows of parts) for (const r of rows) byId.set(String(r.event_id), r);
    // Newest-first pages of several listings → one population in time order (ties by id: deterministic).
    return [...byId.values()].sort(
      (a, b) =>
        (a.time as Date).getTime() - (b.time as Date).getTime() ||
        String(a.event_id).localeCompare(String(b.event_id)),
    );
  },
  // The same population, block by block as the listings are read (newest-first-merge.ts): the blocks come
  // newest first, so each goes before the ones delivered earlier (rank −1, −2, …).
  async stream(ctx, params, sink) {
    const lookups = lookupsOf(params);
    let blocks = 0;
    const merge = new NewestFirstMerge(
      lookups.length,
      (rows) => sink.rows(rows, -++blocks),
      (i) =>
        `CloudTrail:LookupEvents ${lookups[i]!.attribute}=${lookups[i]!.value} in ${ctx.aws.accountId}/${ctx.aws.region}`,
    );
    const batches = ctx.queryBatches;
    if (!batches) throw new Error("internal error: aws.cloudtrail.events streamed without queryBatches");
    await Promise.all(
      lookups.map(async (l, i) => {
        try {
          await batches("aws.cloudtrail.lookupEvents", l, (rows) => merge.page(i, rows));
        } catch (e) {
          merge.stop();
          throw e;
        }
        merge.done(i);
      }),
    );
    return {};
  },
});
