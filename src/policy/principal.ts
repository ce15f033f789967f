/**
 * Which principals hold administrator access (or can change IAM), and through which path: a managed policy
 * attached directly, an inline policy, a group's attached or inline policy, or a role the principal can
 * assume. Pure: takes the policies already resolved to documents.
 *
 * Deny handling is the one described in admin.ts, applied across all of the principal's policies: an
 * unconditional Deny of everything (in any of them) removes both results, an unconditional Deny of every IAM
 * write removes "can change IAM"; every other Deny is listed in `other_denies` and not subtracted.
 * Permissions boundaries, SCPs and session policies are not evaluated (a boundary is reported by the query).
 */
import { analysePolicy } from "./admin.js";

/** How a principal holds a policy. */
export type Via =
  | { kind: "attached" }
  | { kind: "inline" }
  | { kind: "group-attached"; group: string }
  | { kind: "group-inline"; group: string };

export interface GrantedPolicy {
  via: Via;
  name: string;
  /** Managed policy ARN; null for inline policies. */
  arn: string | null;
  /** Decoded document (the managed policy's default version). */
  document: unknown;
}

export interface PolicyGrant {
  via: string;
  name: string;
  arn: string | null;
  is_admin: boolean;
  can_write_iam: boolean;
}

export interface PrincipalAccess {
  is_admin: boolean;
  /** e.g. `group Admins: attached policy AdministratorAccess [statement 1]`. */
  admin_paths: string[];
  can_write_iam: boolean;
  /** e.g. `attached policy DeployPipeline [iam:CreateRole, iam:AttachRolePolicy]`. */
  iam_write_paths: string[];
  /** Deny statements that were not subtracted, for the reviewer. */
  other_denies: string[];
  /** Every policy the principal holds, with its own verdicts. */
  policies: PolicyGrant[];
}

export function describeVia(v: Via, kind: "managed" | "inline"): string {
  const policy = kind === "managed" ? "attached policy" : "inline policy";
  switch (v.kind) {
    case "attached":
    case "inline":
      return policy;
    case "group-attached":
    case "group-inline":
      return `group ${v.group}: ${policy}`;
  }
}

/** `attached`, `inline`, `group Admins (attached)`, `group Admins (inline)`. */
export function shortVia(v: Via): string {
  if (v.kind === "attached" || v.kind === "inline") return v.kind;
  return `group ${v.group} (${v.kind === "group-attached" ? "attached" : "inline"})`;
}

export function evaluatePrincipal(policies: GrantedPolicy[]): PrincipalAccess {
  const admin_paths: string[] = [];
  const iam_write_paths: string[] = [];
  const other_denies: string[] = [];
  const grants: PolicyGrant[] = [];
  let deniesEverything = false;
  let deniesIamWrite = false;
  for (const p of policies) {
    const a = analysePolicy(p.document);
    const via = describeVia(p.via, p.arn ? "managed" : "inline");
    const label = `${via} ${p.name}`;
    if (a.isAdmin) admin_paths.push(`${label} [${a.adminStatements.join("; ")}]`);
    if (a.iamWriteGrants.length > 0) iam_write_paths.push(`${label} [${a.iamWriteGrants.join(", ")}]`);
    for (const d of a.otherDenies) other_denies.push(`${label}: Deny ${d}`);
    deniesEverything ||= a.deniesEverything;
    deniesIamWrite ||= a.deniesIamWrite;
    grants.push({
      via: shortVia(p.via),
      name: p.name,
      arn: p.arn,
      is_admin: a.isAdmin,
      can_write_iam: a.canWriteIam,
    });
  }
  const isAdmin = admin_paths.length > 0 && !deniesEverything;
  const canWrite = iam_write_paths.length > 0 && !deniesEverything && !deniesIamWrite;
  return {
    is_admin: isAdmin,
    admin_paths: isAdmin ? admin_paths : [],
    can_write_iam: canWrite,
    iam_write_paths: canWrite ? iam_write_paths : [],
    other_denies,
    policies: grants,
  };
}
