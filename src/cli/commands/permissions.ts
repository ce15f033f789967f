/**
 * `itgc-validate permissions` — the least privilege a run needs, computed from the queries the selected
 * controls use: an IAM policy (one Allow statement, sorted unique actions) for AWS, the permission list for
 * GCP. Every action is also covered by AWS's SecurityAudit or ViewOnlyAccess managed policies (a test
 * checks it), except sts:AssumeRole, which only the central role needs, on the member roles, and the
 * Identity Center reads named in IDENTITY_CENTER_READ_ACTIONS.
 */
import { Command } from "commander";
import type { Control, Provider } from "../../core/types.js";
import { queriesUsedBy } from "../../queries/declarations.js";
import { addFilterOptions, type FilterFlags, filterFrom } from "../options/filters.js";

/** Actions every AWS run needs besides its queries'. */
export const AWS_BASE_ACTIONS = [
  // Who the caller is (needs no permission in practice: GetCallerIdentity cannot be denied).
  "sts:GetCallerIdentity",
  // The account's enabled regions, unless --regions is given.
  "ec2:DescribeRegions",
];

/**
 * Identity Center read actions the Identity Center queries need beyond SecurityAudit and ViewOnlyAccess
 * (SecurityAudit has sso:List* and sso:DescribePermissionSet, but not these Gets, and no identitystore
 * action). All are reads; AWS's AWSSSOReadOnly and AWSSSODirectoryReadOnly managed policies cover them.
 */
export const IDENTITY_CENTER_READ_ACTIONS = [
  "sso:GetInlinePolicyForPermissionSet",
  "sso:GetPermissionsBoundaryForPermissionSet",
  "identitystore:ListUsers",
  "identitystore:ListGroups",
  "identitystore:ListGroupMemberships",
];

/** Actions of an organization run (--org): list the accounts, assume the member role in each. */
export const AWS_ORG_ACTIONS = ["organizations:ListAccounts", "sts:AssumeRole"];

export interface IamPolicy {
  Version: "2012-10-17";
  Statement: [{ Sid: string; Effect: "Allow"; Action: string[]; Resource: "*" }];
}

export function permissionsFor(controls: Control[], provider: Provider): string[] {
  const perms = queriesUsedBy(controls)
    .filter((q) => q.provider === provider)
    .flatMap((q) => q.permissions);
  return [...new Set(perms)].sort();
}

export function awsPolicy(controls: Control[], opts: { org?: boolean } = {}): IamPolicy {
  const actions = new Set([
    ...permissionsFor(controls, "aws"),
    ...AWS_BASE_ACTIONS,
    ...(opts.org === false ? [] : AWS_ORG_ACTIONS),
  ]);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ItgcValidateReadOnly",
        Effect: "Allow",
        Action: [...actions].sort((a, b) => a.localeCompare(b)),
        Resource: "*",
      },
    ],
  };
}

interface PermissionsFlags extends FilterFlags {
  org?: boolean;
  json?: boolean;
}

export function permissionsCommand(): Command {
  const cmd = new Command("permissions").description(
    "Print the least privilege the selected controls need: the IAM policy JSON (AWS), the permission list\n" +
      "(GCP), or the fine-grained token / GitHub App permissions, all read (GitHub), computed from the queries\n" +
      "they use. Same filters as `run`.",
  );
  addFilterOptions(cmd)
    .option(
      "--no-org",
      "leave out the organization fan-out actions (organizations:ListAccounts, sts:AssumeRole)",
    )
    .option("--json", "GCP: print the permission list as a JSON array");
  return cmd.action(async (flags: PermissionsFlags) => {
    const { selectControls } = await import("../../engine/select-controls.js");
    const { selected } = await selectControls(flags.controlsDir, filterFrom(flags));
    const providers: Provider[] = flags.provider?.length
      ? [...new Set(flags.provider)].sort()
      : [...new Set(selected.map((c) => c.provider))].sort();
    const out: Record<string, unknown> = {};
    for (const p of providers) {
      const forProvider = selected.filter((c) => c.provider === p);
      out[p] = p === "aws" ? awsPolicy(forProvider, { org: flags.org }) : permissionsFor(forProvider, p);
    }
    if (providers.length === 1) {
      const only = out[providers[0]!];
      if (providers[0] !== "aws" && !flags.json) {
        process.stdout.write((only as string[]).map((x) => `${x}\n`).join(""));
      } else {
        process.stdout.write(`${JSON.stringify(only, null, 2)}\n`);
      }
      return;
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}
