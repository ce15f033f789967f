/**
 * aws.organizations.trailCoverage — the reconciliation of the organization's accounts with the CloudTrail
 * trails that log them: one row per account of Organizations ListAccounts (every page, every state), with
 * the trails that cover it and whether it is covered. The table is the evidence an auditor agrees to the
 * organization's account list: no account is silently outside the audit log.
 *
 * A trail covers an account when it is multi-region, logging, and records all management events (reads and
 * writes, no excluded event source) — the same test as logging.aws-cloudtrail-multi-region-logging — and
 * either it is an organization trail visible to the caller (an organization trail logs every account of
 * the organization, present and future), or it is the account's own trail (aws.cloudtrail.trails of that
 * account, owned by it).
 *
 * Fail closed, narrowly: ListAccounts refused (not the management account or a delegated administrator)
 * fails the query — the population is unknown. An account no organization trail covers whose own trails
 * cannot be read (outside this run's scope: run with --org; or its trails listing failed) is an item
 * problem: that account is `error`, the others stand. An account outside any organization
 * (AWSOrganizationsNotInUseException) is reconciled alone, as its own one-account table.
 */
import type { Account } from "@aws-sdk/client-organizations";
import { errorMessage } from "../../../core/errors.js";
import type { QueryProblem, Row } from "../../../core/types.js";
import type { AwsQueryContext } from "../../../providers/aws/context.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import { organizationsRegion } from "../../../providers/aws/organization.js";
import { ListAccountsCommand, OrganizationsClient } from "../../../providers/aws/sdk/client-organizations.js";
import { paginateAws } from "../paginate.js";

/** A trail that records every management event of every region it applies to, and is on. */
export function logsAllManagementEvents(t: Row): boolean {
  return (
    t.is_multi_region === true &&
    t.is_logging === true &&
    t.management_reads === true &&
    t.management_writes === true &&
    Array.isArray(t.excluded_management_sources) &&
    t.excluded_management_sources.length === 0
  );
}

interface AccountEntry {
  id: string;
  name: string | null;
  status: string;
}

async function organizationAccounts(ctx: AwsQueryContext): Promise<AccountEntry[] | null> {
  const org = ctx.aws.client(OrganizationsClient, organizationsRegion(ctx.aws.partition));
  let accounts: Account[];
  try {
    accounts = (
      await paginateAws(
        (NextToken) => org.send(new ListAccountsCommand(NextToken ? { NextToken } : {})),
        (p) => p.NextToken,
        "Organizations:ListAccounts",
      )
    ).flatMap((p) => p.Accounts ?? []);
  } catch (e) {
    if (isAwsError(e, "AWSOrganizationsNotInUseException", "AWSOrganizationsNotInUse")) return null;
    throw new Error(
      `cannot list the organization's accounts from account ${ctx.aws.accountId}: ${errorMessage(e)} (run from the management account or a delegated administrator, with organizations:ListAccounts)`,
    );
  }
  return accounts
    .map((a) => {
      if (!a.Id) throw new Error("ListAccounts answered an account without Id");
      return {
        id: a.Id,
        name: a.Name ?? null,
        // State is the current member; Status the older one AWS still answers.
        status: String((a as { State?: string }).State ?? a.Status ?? "UNKNOWN"),
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export const trailCoverage = defineAwsQuery({
  id: "aws.organizations.trailCoverage",
  scope: "organization",
  title: "Organization accounts reconciled with the CloudTrail trails that log them",
  permissions: [
    "organizations:ListAccounts",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
  ],
  calls: ["Organizations:ListAccounts"],
  uses: ["aws.cloudtrail.trails"],
  fields: {
    account_id: "string: the account id",
    account_name: "string?: the account name in the organization",
    account_status:
      "string: ACTIVE | SUSPENDED | PENDING_CLOSURE (ListAccounts State; STANDALONE outside an organization)",
    organization_trails:
      "list<string>: organization trails (ARNs) logging all management events in every region",
    own_trails: "list<string>: the account's own trails (ARNs) that do; empty when not read",
    own_trails_read: "bool: the account's own trails were read (it is in this run's scope)",
    covering_trails: "list<string>: every trail (ARN) that covers the account",
    covered: "bool: at least one trail covers the account",
  },
  async fetch(ctx) {
    const listed = await organizationAccounts(ctx);
    const accounts: AccountEntry[] = listed ?? [{ id: ctx.aws.accountId, name: null, status: "STANDALONE" }];
    // The caller's trails: organization trails show there (owned, or as shadow trails of a delegated admin).
    const mine = await ctx.queryResult("aws.cloudtrail.trails");
    const orgTrails = listed
      ? mine.rows
          .filter((t) => t.is_organization_trail === true && logsAllManagementEvents(t))
          .map((t) => String(t.arn))
      : [];
    // Without a covering organization trail, a trails problem of the caller's account may hide one.
    const orgUnknown =
      orgTrails.length === 0 && mine.problems.length > 0
        ? `the caller's trails could not all be read (${mine.problems[0]!.message})`
        : undefined;
    const rows: Row[] = [];
    const problems: QueryProblem[] = [];
    for (const a of accounts) {
      const own = await ownTrails(ctx, a.id);
      const covering = [...new Set([...orgTrails, ...own.trails])].sort();
      const row: Row = {
        account_id: a.id,
        account_name: a.name,
        account_status: a.status,
        organization_trails: orgTrails,
        own_trails: own.trails,
        own_trails_read: own.read,
        covering_trails: covering,
        covered: covering.length > 0,
      };
      const unknown = covering.length === 0 ? (own.unknown ?? orgUnknown) : undefined;
      if (unknown) {
        const { covered: _covered, covering_trails: _c, ...known } = row;
        problems.push({
          message: `account ${a.id}${a.name ? ` (${a.name})` : ""}: no organization trail covers it and ${unknown}`,
          item: known,
        });
      } else rows.push(row);
    }
    return { rows, problems };
  },
});

/**
 * The account's own covering trails, when its trails can be read in this run. `unknown` says why not (only
 * matters when no organization trail covers it).
 */
async function ownTrails(
  ctx: AwsQueryContext,
  account: string,
): Promise<{ trails: string[]; read: boolean; unknown?: string }> {
  let result: Awaited<ReturnType<AwsQueryContext["queryResult"]>>;
  try {
    result = await ctx.queryResult(
      "aws.cloudtrail.trails",
      {},
      account === ctx.aws.accountId ? undefined : { unit: account },
    );
  } catch (e) {
    return {
      trails: [],
      read: false,
      unknown: /not in this run's scope/.test(errorMessage(e))
        ? "its own trails were not read (the account is not in this run's scope: run with --org and a member role it trusts)"
        : `its own trails could not be read: ${errorMessage(e)}`,
    };
  }
  const trails = result.rows
    .filter((t) => t.owned_by_account === true && logsAllManagementEvents(t))
    .map((t) => String(t.arn))
    .sort();
  const unknown =
    trails.length === 0 && result.problems.length > 0
      ? `its own trails could not all be read (${result.problems[0]!.message})`
      : undefined;
  return { trails, read: true, ...(unknown ? { unknown } : {}) };
}
