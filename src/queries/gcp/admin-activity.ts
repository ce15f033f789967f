/**
 * Cloud Audit Logs Admin Activity entries over the audit period (Logging API entries.list — the Node
 * client's listLogEntries), filtered on protoPayload.methodName so only what a control needs is fetched:
 * one row per entry, normalised like the CloudTrail events (time, service, method, actor, source IP, user
 * agent, request, resource, outcome).
 *
 * - `gcp.logging.adminActivity` reads a project's log (resourceNames projects/<id>);
 *   `gcp.logging.orgAdminActivity` the organization's own (org policies and IAM set on the organization).
 * - Pages stream through (GcpCalls.eachPage): each is recorded once as evidence and normalised as it arrives;
 *   when the run proves one control reads the listing (QueryDef.stream), each page's rows go straight into
 *   its evaluation and are garbage after.
 * - Coverage: Admin Activity logs are kept 400 days in the _Required bucket; a period starting earlier is
 *   refused ("period not covered by the event source"). An entry whose payload cannot be decoded fails the
 *   listing (the controls are `error`), never silently dropped.
 */
import type { Row } from "../../core/types.js";
import { defineGcpQuery, type GcpQueryContext } from "../../providers/gcp/context.js";
import { AUDIT_LOG_TYPE, decodeAuditLog } from "./audit-log-proto.js";

export const ADMIN_ACTIVITY_RETENTION_DAYS = 400;
const PAGE_SIZE = 1000;

const FIELDS: Record<string, string> = {
  insert_id: "string: the log entry's insertId (unique per log)",
  time: "timestamp: when the operation happened",
  log_name: "string: the log (…/logs/cloudaudit.googleapis.com%2Factivity)",
  service: "string: the API service, e.g. iam.googleapis.com",
  method: "string: the method, e.g. SetIamPolicy, google.iam.admin.v1.CreateServiceAccountKey",
  resource_name: "string: the resource acted on",
  resource_type: "string: the monitored resource type (project, service_account, organization, …)",
  unit: "string: the project id or organization id whose log holds the entry",
  actor: "string: the authenticated principal (principalEmail)",
  actor_type: "string: user | service_account | unknown",
  delegated_by: "list<string>: principals in the impersonation chain (serviceAccountDelegationInfo)",
  source_ip: "string?: the caller's IP address",
  user_agent: "string?: the caller-supplied user agent",
  request: "dyn: the request as logged (e.g. the policy of a SetIamPolicy)",
  succeeded: "bool: the operation succeeded (status code 0)",
  status_code: "double: the google.rpc.Code of the outcome (0 = OK)",
  status_message: "string: the error message, empty on success",
  severity: "string: the entry's severity (NOTICE for Admin Activity, ERROR on failure)",
};

const PARAMS = {
  type: "object",
  required: ["methods"],
  additionalProperties: false,
  properties: { methods: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } },
};

interface LogEntry {
  logName?: string;
  insertId?: string;
  timestamp?: { seconds?: string | number; nanos?: number } | null;
  severity?: string;
  resource?: { type?: string; labels?: Record<string, string> } | null;
  protoPayload?: { typeUrl?: string; type_url?: string; value?: string | Uint8Array } | null;
}

async function fetchEntries(
  ctx: GcpQueryContext,
  params: Record<string, unknown>,
  parent: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  await listEntries(ctx, params, parent, (page) => {
    for (const row of page) rows.push(row);
  });
  return rows;
}

/** The listing's pages (timestamp ascending: the result's order), each page's rows as it arrives. */
async function listEntries(
  ctx: GcpQueryContext,
  params: Record<string, unknown>,
  parent: string,
  onPage: (rows: Row[], pageNumber: number) => void,
): Promise<void> {
  const { start, end } = ctx.period;
  const oldest = new Date(ctx.now.getTime() - ADMIN_ACTIVITY_RETENTION_DAYS * 86_400_000);
  if (start < oldest) {
    const e = new Error(
      `period not covered by the event source: Admin Activity audit logs are kept ${ADMIN_ACTIVITY_RETENTION_DAYS} days (oldest ${oldest.toISOString()}), the period starts ${start.toISOString()}`,
    );
    e.name = "PeriodNotCovered";
    throw e;
  }
  const methods = params.methods as string[];
  const logName = `${parent}/logs/cloudaudit.googleapis.com%2Factivity`;
  const filter = [
    `logName="${logName}"`,
    `timestamp>="${start.toISOString()}"`,
    `timestamp<="${end.toISOString()}"`,
    `(${methods.map((m) => `protoPayload.methodName:"${m}"`).join(" OR ")})`,
  ].join(" AND ");
  const unit = ctx.gcp.node.unit;
  await ctx.gcp.calls.eachPage(
    "LoggingServiceV2Client",
    "listLogEntries",
    unit,
    { resourceNames: [parent], filter, orderBy: "timestamp asc", pageSize: PAGE_SIZE },
    (page, n) =>
      onPage(
        ((page.entries as LogEntry[] | undefined) ?? []).map((e) => normalise(e, unit, n)),
        n,
      ),
  );
}

function normalise(e: LogEntry, unit: string, page: number): Row {
  const where = `listLogEntries page ${page}: entry ${e.insertId ?? "(no insertId)"}`;
  const payload = e.protoPayload;
  const type = payload?.typeUrl ?? payload?.type_url;
  if (!payload || type !== AUDIT_LOG_TYPE || payload.value === undefined)
    throw new Error(`${where}: protoPayload is not a google.cloud.audit.AuditLog`);
  let a: ReturnType<typeof decodeAuditLog>;
  try {
    const bytes = typeof payload.value === "string" ? Buffer.from(payload.value, "base64") : payload.value;
    a = decodeAuditLog(bytes);
  } catch (err) {
    throw new Error(`${where}: the AuditLog payload cannot be read (${(err as Error).message})`);
  }
  const seconds = Number(e.timestamp?.seconds ?? Number.NaN);
  if (!Number.isFinite(seconds)) throw new Error(`${where}: no timestamp`);
  const actor = a.principalEmail;
  return {
    insert_id: e.insertId ?? "",
    time: new Date(seconds * 1000 + Math.floor((e.timestamp?.nanos ?? 0) / 1e6)),
    log_name: e.logName ?? "",
    service: a.serviceName,
    method: a.methodName,
    resource_name: a.resourceName,
    resource_type: e.resource?.type ?? "",
    unit,
    actor,
    actor_type: actor.endsWith(".gserviceaccount.com")
      ? "service_account"
      : actor.includes("@")
        ? "user"
        : "unknown",
    delegated_by: a.delegatedBy,
    source_ip: a.callerIp || null,
    user_agent: a.userAgent || null,
    request: a.request,
    succeeded: a.statusCode === 0,
    status_code: a.statusCode,
    status_message: a.statusMessage,
    severity: e.severity ?? "",
  };
}

export const adminActivity = defineGcpQuery({
  id: "gcp.logging.adminActivity",
  scope: "project",
  title: "Admin Activity audit log entries of the audit period in each project, for the given methods",
  permissions: ["logging.logEntries.list"],
  calls: ["LoggingServiceV2Client:listLogEntries"],
  fields: FIELDS,
  paramsSchema: PARAMS,
  fetch: (ctx, params) => fetchEntries(ctx, params, `projects/${ctx.gcp.node.unit}`),
  // Page by page into its one reader (QueryDef.stream): pages come in the result's order (rank = page).
  async stream(ctx, params, sink) {
    await listEntries(ctx, params, `projects/${ctx.gcp.node.unit}`, (rows, n) => sink.rows(rows, n));
    return {};
  },
});

export const orgAdminActivity = defineGcpQuery({
  id: "gcp.logging.orgAdminActivity",
  scope: "organization",
  title:
    "Admin Activity audit log entries of the audit period in the organization's own log, for the given methods",
  permissions: ["logging.logEntries.list"],
  calls: ["LoggingServiceV2Client:listLogEntries"],
  fields: FIELDS,
  paramsSchema: PARAMS,
  fetch: (ctx, params) => fetchEntries(ctx, params, ctx.gcp.node.name),
  async stream(ctx, params, sink) {
    await listEntries(ctx, params, ctx.gcp.node.name, (rows, n) => sink.rows(rows, n));
    return {};
  },
});
