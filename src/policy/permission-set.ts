/**
 * Is an IAM Identity Center permission set administrator access, or can it change IAM, in one account?
 * Pure: takes the set's policies already resolved to documents (for the account it is provisioned to).
 *
 * "Admin-grade" means exactly what it means for an IAM user or role (src/policy/admin.ts, through
 * analysePolicy): `Action *` on all resources, a `NotAction` form that leaves an IAM escalation action open,
 * or a broad IAM write. The Deny handling is the one of src/policy/principal.ts, applied across every policy
 * of the set (an unconditional Deny of everything removes both verdicts; of every IAM write, the second).
 *
 * The permissions boundary is a ceiling, evaluated with the same analysis: the set is admin only when its
 * policies grant admin and the boundary (when it has one) allows admin too; it can change IAM only when both
 * its policies and its boundary allow a broad IAM write. A boundary whose document could not be resolved is
 * not a ceiling (the set is judged by its policies alone: a population is never shrunk on a guess).
 */
import { analysePolicy } from "./admin.js";

export type PermissionSetPolicyKind = "aws-managed" | "customer-managed" | "inline";

export interface PermissionSetPolicy {
  kind: PermissionSetPolicyKind;
  /** Policy name (the inline policy is named `inline policy`). */
  name: string;
  /** Decoded document. */
  document: unknown;
}

export interface PermissionSetAccess {
  is_admin: boolean;
  /** e.g. `AWS managed policy AdministratorAccess [statement 1]`. */
  admin_paths: string[];
  can_write_iam: boolean;
  /** e.g. `customer managed policy DeployRoles [iam:CreateRole]`. */
  iam_write_paths: string[];
  /** Deny statements not subtracted (narrow or conditional), for the reviewer. */
  other_denies: string[];
  /** The boundary limited a verdict (the policies grant admin / IAM write, the boundary does not allow it). */
  limited_by_boundary: string[];
}

export function describePolicy(p: { kind: PermissionSetPolicyKind; name: string }): string {
  switch (p.kind) {
    case "aws-managed":
      return `AWS managed policy ${p.name}`;
    case "customer-managed":
      return `customer managed policy ${p.name}`;
    case "inline":
      return "inline policy";
  }
}

export function evaluatePermissionSet(
  policies: PermissionSetPolicy[],
  boundary: PermissionSetPolicy | null,
): PermissionSetAccess {
  const admin_paths: string[] = [];
  const iam_write_paths: string[] = [];
  const other_denies: string[] = [];
  let deniesEverything = false;
  let deniesIamWrite = false;
  for (const p of policies) {
    const a = analysePolicy(p.document);
    const label = describePolicy(p);
    if (a.isAdmin) admin_paths.push(`${label} [${a.adminStatements.join("; ")}]`);
    if (a.iamWriteGrants.length > 0) iam_write_paths.push(`${label} [${a.iamWriteGrants.join(", ")}]`);
    for (const d of a.otherDenies) other_denies.push(`${label}: Deny ${d}`);
    deniesEverything ||= a.deniesEverything;
    deniesIamWrite ||= a.deniesIamWrite;
  }
  let isAdmin = admin_paths.length > 0 && !deniesEverything;
  let canWrite = iam_write_paths.length > 0 && !deniesEverything && !deniesIamWrite;
  const limited: string[] = [];
  if (boundary) {
    const b = analysePolicy(boundary.document);
    const label = `permissions boundary ${describePolicy(boundary)}`;
    if (isAdmin && !b.isAdmin) {
      isAdmin = false;
      limited.push(`${label} does not allow administrator access`);
    }
    if (canWrite && !b.canWriteIam) {
      canWrite = false;
      limited.push(`${label} does not allow IAM writes`);
    }
  }
  return {
    is_admin: isAdmin,
    admin_paths: isAdmin ? admin_paths : [],
    can_write_iam: canWrite,
    iam_write_paths: canWrite ? iam_write_paths : [],
    other_denies,
    limited_by_boundary: limited,
  };
}
