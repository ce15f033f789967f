/**
 * User-managed service-account keys of each project, with when each was last used to authenticate.
 *
 * - IAM v1 (REST; Node has no IAM Admin gRPC client): `projects.serviceAccounts.list` (every page), then
 *   `projects.serviceAccounts.keys.list?keyTypes=USER_MANAGED` per account. System-managed keys are Google's
 *   own, rotated by Google, and never leave it: they are not in the population.
 * - Policy Analyzer v1 (Activity Analyzer): `activities:query` of activity type
 *   `serviceAccountKeyLastAuthentication` for the project (every page) gives each key's last authentication
 *   (`activity.lastAuthenticatedTime`, reported as a date in US Pacific time, so at day granularity). A key
 *   with no activity was not seen authenticating in the analyzer's observation window.
 *
 * Failure units: an account whose keys cannot be listed is a problem for that account's keys only; a denied
 * or failed activity query is a problem of the `last_authenticated` field only, so the key-age controls are
 * still evaluated while the key-usage control is `error`.
 */
import { errorMessage } from "../../core/errors.js";
import type { QueryProblem, Row } from "../../core/types.js";
import { REST_BASES } from "../../providers/gcp/connection.js";
import { defineGcpQuery, type GcpQueryContext } from "../../providers/gcp/context.js";
import { paginate } from "../../util/paginate.js";
import { asTimestamp } from "./normalise.js";

const DAY_MS = 86_400_000;
/** IAM's "never expires" validBeforeTime. */
const NO_EXPIRY_YEAR = 9999;

interface ServiceAccount {
  name?: string;
  email?: string;
  uniqueId?: string;
  disabled?: boolean;
}

interface ServiceAccountKey {
  name?: string;
  validAfterTime?: string;
  validBeforeTime?: string;
  keyAlgorithm?: string;
  keyOrigin?: string;
  keyType?: string;
  disabled?: boolean;
}

interface Activity {
  fullResourceName?: string;
  activityType?: string;
  observationPeriod?: { startTime?: string; endTime?: string };
  activity?: { lastAuthenticatedTime?: string; serviceAccountKey?: { fullResourceName?: string } };
}

export const KEY_ACTIVITY_TYPE = "serviceAccountKeyLastAuthentication";

/** Every page of a REST listing, through the recorder and the shared paging loop (cycle detection). */
async function restPages<T>(
  ctx: GcpQueryContext,
  service: string,
  operation: string,
  path: string,
  itemsField: string,
  query: Record<string, string> = {},
): Promise<T[]> {
  const pages = await paginate(
    (pageToken) =>
      ctx.gcp.calls.rest(service, operation, ctx.gcp.node.unit, {
        base: REST_BASES[service]!,
        path,
        query: { ...query, ...(pageToken ? { pageToken } : {}) },
      }),
    (page) => (typeof page.nextPageToken === "string" ? page.nextPageToken : ""),
    `${service}.${operation}`,
  );
  return pages.flatMap((p) => (p[itemsField] as T[] | undefined) ?? []);
}

/** The last segment of a key's resource name (its 40-hex-digit id). */
function keyIdOf(name: string): string {
  const i = name.lastIndexOf("/keys/");
  return i >= 0 ? name.slice(i + 6) : "";
}

/** Last authentication per key id, from the project's key activities. */
async function keyActivity(ctx: GcpQueryContext): Promise<Map<string, Date>> {
  const activities = await restPages<Activity>(
    ctx,
    "PolicyAnalyzerV1",
    "queryActivities",
    `/v1/projects/${ctx.gcp.node.unit}/locations/global/activityTypes/${KEY_ACTIVITY_TYPE}/activities:query`,
    "activities",
    { pageSize: "1000" },
  );
  const last = new Map<string, Date>();
  for (const a of activities) {
    const name = a.activity?.serviceAccountKey?.fullResourceName ?? a.fullResourceName ?? "";
    const at = asTimestamp(a.activity?.lastAuthenticatedTime);
    const id = keyIdOf(name);
    if (!id || !at) continue;
    const seen = last.get(id);
    if (!seen || at > seen) last.set(id, at);
  }
  return last;
}

export const serviceAccountKeys = defineGcpQuery({
  id: "gcp.iam.serviceAccountKeys",
  scope: "project",
  title:
    "User-managed service-account keys of each project, with age and last authentication (Policy Analyzer)",
  permissions: [
    "iam.serviceAccounts.list",
    "iam.serviceAccountKeys.list",
    "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query",
  ],
  calls: ["IamV1:listServiceAccounts", "IamV1:listServiceAccountKeys", "PolicyAnalyzerV1:queryActivities"],
  fields: {
    project: "string: the project id",
    key_id: "string: projects/P/serviceAccounts/EMAIL/keys/KEY_ID (the key's resource name)",
    key: "string: the key id (40 hex digits)",
    service_account: "string: the service account's e-mail",
    service_account_disabled: "bool: the service account itself is disabled",
    key_origin:
      "string: GOOGLE_PROVIDED (created by Google, private key downloaded) | USER_PROVIDED (uploaded)",
    key_algorithm: "string: KEY_ALG_RSA_2048 | KEY_ALG_RSA_1024 | …",
    disabled: "bool: the key is disabled",
    created: "timestamp: validAfterTime (when the key was created or uploaded)",
    expires: "timestamp?: validBeforeTime, or null when the key never expires",
    age_days: "double: whole days since created, at evaluation time",
    last_authenticated:
      "timestamp?: the key's last authentication (Policy Analyzer serviceAccountKeyLastAuthentication, day granularity); null when none was observed",
  },
  async fetch(ctx) {
    const project = ctx.gcp.node.unit;
    const accounts = await restPages<ServiceAccount>(
      ctx,
      "IamV1",
      "listServiceAccounts",
      `/v1/projects/${project}/serviceAccounts`,
      "accounts",
      { pageSize: "100" },
    );
    const problems: QueryProblem[] = [];
    let activity: Map<string, Date> | undefined;
    try {
      activity = await keyActivity(ctx);
    } catch (e) {
      problems.push({
        message: `cannot read key usage (Policy Analyzer ${KEY_ACTIVITY_TYPE}) for project ${project}: ${errorMessage(e)}`,
        field: "last_authenticated",
      });
    }
    const rows: Row[] = [];
    for (const sa of accounts) {
      const email = String(sa.email ?? "");
      let keys: ServiceAccountKey[];
      try {
        const answer = await ctx.gcp.calls.rest<{ keys?: ServiceAccountKey[] }>(
          "IamV1",
          "listServiceAccountKeys",
          project,
          {
            base: REST_BASES.IamV1!,
            path: `/v1/projects/${project}/serviceAccounts/${email}/keys`,
            query: { keyTypes: "USER_MANAGED" },
          },
        );
        keys = answer.keys ?? [];
      } catch (e) {
        // Any key of this account may be missing: a problem for the keys of this account, not the project's.
        problems.push({
          message: `cannot list the keys of service account ${email}: ${errorMessage(e)}`,
          members: { project, service_account: email },
        });
        continue;
      }
      for (const k of keys) {
        // keyTypes=USER_MANAGED already filters; a SYSTEM_MANAGED answer would not be a user-managed key.
        if (k.keyType && k.keyType !== "USER_MANAGED") continue;
        const name = String(k.name ?? "");
        const created = asTimestamp(k.validAfterTime);
        if (!name || !created) {
          problems.push({
            message: `service account ${email} has a key without ${name ? "validAfterTime" : "a name"} in the IAM answer`,
            item: { project, service_account: email, ...(name ? { key_id: name } : {}) },
          });
          continue;
        }
        const expires = asTimestamp(k.validBeforeTime);
        rows.push({
          project,
          key_id: name,
          key: keyIdOf(name),
          service_account: email,
          service_account_disabled: sa.disabled === true,
          key_origin: String(k.keyOrigin ?? "ORIGIN_UNSPECIFIED"),
          key_algorithm: String(k.keyAlgorithm ?? "KEY_ALG_UNSPECIFIED"),
          disabled: k.disabled === true,
          created,
          expires: expires && expires.getUTCFullYear() < NO_EXPIRY_YEAR ? expires : null,
          age_days: Math.floor((ctx.now.getTime() - created.getTime()) / DAY_MS),
          last_authenticated: activity?.get(keyIdOf(name)) ?? null,
        });
      }
    }
    rows.sort((a, b) => String(a.key_id).localeCompare(String(b.key_id)));
    return { rows, problems };
  },
});
