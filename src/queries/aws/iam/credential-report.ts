/**
 * aws.iam.credentialReport — one row per IAM user plus the root user, from the IAM credential report.
 *
 * One account-wide report instead of N+1 calls per user: GenerateCredentialReport (poll until COMPLETE),
 * then GetCredentialReport. AWS reuses a report younger than four hours, so the report's GeneratedTime is
 * kept on every row as evidence of how fresh the data is.
 *
 * Failure units (docs/architecture.md): a report without the `<root_account>` row (emulators; member accounts
 * under centralised root management) is an item problem for the root user only — the root controls are
 * `error`, the IAM-user controls are evaluated. The root user's stand-in carries only what another source
 * establishes (GetAccountSummary: whether root has access keys / signing certificates), so a user control
 * whose population cannot include root is not affected. Completeness: the IAM users of the report are
 * reconciled with GetAccountSummary's `Users`.
 */
import type { GetCredentialReportCommandOutput } from "@aws-sdk/client-iam";
import { parse } from "csv-parse/sync";
import { errorMessage } from "../../../core/errors.js";
import type { NormalisedResult } from "../../../core/query.js";
import type { CompletenessCheck, QueryProblem, Row } from "../../../core/types.js";
import { type AwsQueryContext, defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from "../../../providers/aws/sdk/client-iam.js";
import { countCheck, unavailableCheck } from "../../completeness.js";
import { asDate, bytesToText, sleep } from "../normalise.js";
import { CREDENTIAL_REPORT_COLUMNS } from "./credential-report-columns.js";

export { CREDENTIAL_REPORT_COLUMNS };

const BOOLEAN_COLUMNS = new Set([
  "password_enabled",
  "mfa_active",
  "access_key_1_active",
  "access_key_2_active",
  "cert_1_active",
  "cert_2_active",
]);
const TIME_COLUMNS = new Set(
  CREDENTIAL_REPORT_COLUMNS.filter(
    (c) =>
      c.endsWith("_time") ||
      c.endsWith("_date") ||
      c.endsWith("_rotated") ||
      c.endsWith("_last_used") ||
      c.endsWith("_changed") ||
      c.endsWith("_rotation"),
  ),
);
/** Values AWS uses for "nothing here": no such credential, never used, or not applicable to root. */
const NONE_VALUES = new Set(["N/A", "no_information", "not_supported", ""]);

export const ROOT_USER = "<root_account>";

/**
 * Parses the report CSV into normalised rows. Throws if a column is missing or a value is not of its type,
 * so a changed report format fails the query instead of silently passing controls. (The query itself uses
 * readCredentialReport, which narrows the same failures to a field or a row.)
 */
export function parseCredentialReport(csv: string): Row[] {
  const { rows, problems } = readCredentialReport(csv);
  const missing = problems.filter((p) => p.field !== undefined).map((p) => p.field);
  if (missing.length > 0) throw new Error(`credential report is missing columns: ${missing.join(", ")}`);
  if (problems.length > 0) throw new Error(problems[0]!.message);
  return rows;
}

/**
 * Parses the report CSV into the rows it establishes and problems for what it cannot: a missing column is a
 * field problem (the controls reading that column are `error`), a row with a value of the wrong type is an
 * item problem for that user. Without the `user` or `arn` column nothing can be identified: that throws.
 */
export function readCredentialReport(csv: string): { rows: Row[]; problems: QueryProblem[] } {
  const records = parse(csv, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const header = csv.split(/\r?\n/, 1)[0]?.split(",") ?? [];
  const missing = CREDENTIAL_REPORT_COLUMNS.filter((c) => !header.includes(c));
  if (missing.includes("user") || missing.includes("arn"))
    throw new Error(`credential report is missing columns: ${missing.join(", ")}`);
  const problems: QueryProblem[] = missing.map((field) => ({
    field,
    message: `the credential report has no ${field} column`,
  }));
  const rows: Row[] = [];
  for (const rec of records) {
    const identity: Row = { user: rec.user ?? "", arn: rec.arn ?? "", is_root: rec.user === ROOT_USER };
    try {
      const row: Row = {};
      for (const col of CREDENTIAL_REPORT_COLUMNS)
        if (!missing.includes(col)) row[col] = normaliseValue(col, rec[col] ?? "");
      row.is_root = identity.is_root;
      rows.push(row);
    } catch (e) {
      problems.push({ item: identity, message: `credential report row ${rec.user}: ${errorMessage(e)}` });
    }
  }
  return { rows, problems };
}

export function normaliseValue(column: string, raw: string): unknown {
  if (NONE_VALUES.has(raw)) return null;
  if (BOOLEAN_COLUMNS.has(column)) {
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw new Error(`credential report: ${column} has unexpected value ${JSON.stringify(raw)}`);
  }
  if (TIME_COLUMNS.has(column as (typeof CREDENTIAL_REPORT_COLUMNS)[number])) return asDate(raw);
  return raw;
}

const MAX_POLLS = 30;

export const credentialReport = defineAwsQuery({
  id: "aws.iam.credentialReport",
  scope: "account",
  title: "IAM credential report: one row per IAM user and the root user",
  permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetAccountSummary"],
  calls: ["IAM:GenerateCredentialReport", "IAM:GetCredentialReport", "IAM:GetAccountSummary"],
  uses: ["aws.iam.accountSummary"],
  fields: {
    user: "string: user name; `<root_account>` for the root user",
    arn: "string: user ARN",
    is_root: "bool: the root user's row",
    user_creation_time: "timestamp?: when the user was created",
    password_enabled: "bool?: the user has a console password; null for root (not_supported)",
    password_last_used: "timestamp?: null when never used or no information",
    password_last_changed: "timestamp?: null when there is no password",
    password_next_rotation: "timestamp?: null when passwords do not expire",
    mfa_active: "bool: an MFA device is assigned",
    access_key_1_active: "bool: access key 1 exists and is active",
    access_key_1_last_rotated: "timestamp?: null when there is no key 1",
    access_key_1_last_used_date: "timestamp?: null when never used",
    access_key_1_last_used_region: "string?: null when never used",
    access_key_1_last_used_service: "string?: null when never used",
    access_key_2_active: "bool: access key 2 exists and is active",
    access_key_2_last_rotated: "timestamp?: null when there is no key 2",
    access_key_2_last_used_date: "timestamp?: null when never used",
    access_key_2_last_used_region: "string?: null when never used",
    access_key_2_last_used_service: "string?: null when never used",
    cert_1_active: "bool: signing certificate 1 is active",
    cert_1_last_rotated: "timestamp?: null when there is no certificate 1",
    cert_2_active: "bool: signing certificate 2 is active",
    cert_2_last_rotated: "timestamp?: null when there is no certificate 2",
    report_generated_time: "timestamp?: when AWS generated the report (freshness evidence)",
  },
  async fetch(ctx) {
    const iam = ctx.aws.client(IAMClient, ctx.aws.homeRegion);
    const live = !ctx.aws.session.replaying;
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      const gen = await iam.send(new GenerateCredentialReportCommand({}));
      if (gen.State === "COMPLETE") break;
      if (poll === MAX_POLLS - 1) throw new Error("credential report still not COMPLETE after polling");
      if (live) await sleep(Math.min(500 * 2 ** poll, 5_000));
    }
    let report: GetCredentialReportCommandOutput | undefined;
    for (let attempt = 0; !report; attempt++) {
      try {
        report = await iam.send(new GetCredentialReportCommand({}));
      } catch (e) {
        if (!isAwsError(e, "ReportInProgress", "CredentialReportNotReady") || attempt >= 5) throw e;
        if (live) await sleep(2_000);
      }
    }
    if (report.ReportFormat && report.ReportFormat !== "text/csv") {
      throw new Error(`unexpected credential report format ${report.ReportFormat}`);
    }
    const generated = asDate(report.GeneratedTime);
    const read = readCredentialReport(bytesToText(report.Content));
    const rows = read.rows.map((r): Row => ({ ...r, report_generated_time: generated }));
    const summary = await accountSummaryOf(ctx);
    const problems: QueryProblem[] = read.problems;
    if (!rows.some((r) => r.is_root) && !problems.some((p) => p.item?.is_root === true)) {
      problems.push({
        message: "the credential report has no root row",
        item: rootStandIn(ctx, summary, generated),
      });
    }
    return {
      rows,
      problems,
      completeness: [
        usersCheck(rows, problems.filter((p) => p.item && !p.item.is_root).length, summary, generated),
      ],
    };
  },
});

type Summary = { row?: Row; error?: unknown };

async function accountSummaryOf(ctx: AwsQueryContext): Promise<Summary> {
  try {
    const result: NormalisedResult = await ctx.queryResult("aws.iam.accountSummary");
    const row = result.rows[0];
    if (result.rows.length !== 1 || !row) throw new Error("aws.iam.accountSummary did not return one row");
    return { row };
  } catch (e) {
    return { error: e };
  }
}

/**
 * What is known of the root user without its report row: its ARN, and from GetAccountSummary that it has no
 * access key / signing certificate when the summary says so (`AccountAccessKeysPresent` /
 * `AccountSigningCertificatesPresent` = 0). Nothing else is asserted.
 */
function rootStandIn(ctx: AwsQueryContext, summary: Summary, generated: Date | null): Row {
  const raw = (summary.row?.summary ?? {}) as Record<string, unknown>;
  const row: Row = {
    user: ROOT_USER,
    arn: `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`,
    is_root: true,
    password_enabled: null,
    report_generated_time: generated,
  };
  if (raw.AccountAccessKeysPresent === 0) {
    row.access_key_1_active = false;
    row.access_key_2_active = false;
  }
  if (raw.AccountSigningCertificatesPresent === 0) {
    row.cert_1_active = false;
    row.cert_2_active = false;
  }
  return row;
}

function usersCheck(
  rows: Row[],
  problemUsers: number,
  summary: Summary,
  generated: Date | null,
): CompletenessCheck {
  const spec = {
    population: "IAM users",
    source: "IAM:GetCredentialReport (rows other than <root_account>)",
    reference: "IAM:GetAccountSummary SummaryMap.Users",
    // Users whose row could not be read are still counted: they are in the report, as item problems.
    found: rows.filter((r) => !r.is_root).length + problemUsers,
    members: { is_root: false },
  };
  if (!summary.row) return unavailableCheck(spec, summary.error);
  return countCheck({
    ...spec,
    expected: summary.row.users as number | null,
    detail: `the report was generated at ${generated?.toISOString() ?? "an unknown time"}; AWS reuses a report up to 4 hours old, so users created or deleted since then differ`,
  });
}
