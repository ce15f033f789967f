/**
 * Is a policy document administrator access, and can it change IAM? Pure functions over decoded documents.
 *
 * Definitions (the population an access review must see; when in doubt a principal is included, never left out):
 *
 * - **Administrator**: an `Allow` statement that applies to all resources (`Resource` `*`, or a `NotResource`
 *   form) and either
 *   - grants every action (`Action` `*` / `*:*`, as a string or in a list), or
 *   - uses `NotAction` and leaves at least one IAM privilege-escalation action open (e.g. `NotAction: []`,
 *     `NotAction: ["s3:*"]`): whoever can attach a policy to themselves can grant themselves everything the
 *     exclusion held back. `NotAction: ["iam:*", "organizations:*", "account:*"]` (AWS's PowerUserAccess)
 *     is not administrator.
 *   Conditions on the Allow do not remove it (an MFA condition still leaves an administrator); such
 *   statements are reported as conditional.
 * - **Can change IAM**: an `Allow` statement covering at least one action of IAM_WRITE_ACTIONS on all
 *   resources or on a wildcard IAM resource (`arn:aws:iam::*:role/*`). Grants scoped to a single named
 *   resource or to the caller's own user (`${aws:username}`, the self-service MFA/password policies) are not
 *   counted: they do not let the holder change other identities.
 * - **Deny statements** are read conservatively, i.e. they never shrink the population except in the one
 *   case that is unambiguous: an unconditional `Deny` of every action on every resource removes
 *   everything, and an unconditional `Deny` of every IAM write action on every resource removes "can change
 *   IAM". Narrower or conditional denies are ignored (reported, not subtracted), because deciding whether
 *   they really close every path needs the full IAM evaluation logic (and SCPs, boundaries, sessions).
 */
import {
  actionIsEverything,
  appliesToAllResources,
  coversAction,
  coversResource,
  hasCondition,
  isWildcardResource,
  type Statement,
  statementLabel,
  statementsOf,
} from "./statements.js";

/**
 * IAM actions that change identities, credentials or permissions (the "Write" and "Permissions management"
 * access levels of IAM, without the self-service ones every user needs for their own password and MFA device,
 * and without CreateServiceLinkedRole, which only creates roles AWS services define).
 */
export const IAM_WRITE_ACTIONS: readonly string[] = [
  "iam:AddRoleToInstanceProfile",
  "iam:AddUserToGroup",
  "iam:AttachGroupPolicy",
  "iam:AttachRolePolicy",
  "iam:AttachUserPolicy",
  "iam:CreateAccessKey",
  "iam:CreateGroup",
  "iam:CreateInstanceProfile",
  "iam:CreateLoginProfile",
  "iam:CreateOpenIDConnectProvider",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:CreateRole",
  "iam:CreateSAMLProvider",
  "iam:CreateUser",
  "iam:DeactivateMFADevice",
  "iam:DeleteAccessKey",
  "iam:DeleteAccountPasswordPolicy",
  "iam:DeleteGroup",
  "iam:DeleteGroupPolicy",
  "iam:DeleteLoginProfile",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:DeleteRole",
  "iam:DeleteRolePermissionsBoundary",
  "iam:DeleteRolePolicy",
  "iam:DeleteSAMLProvider",
  "iam:DeleteUser",
  "iam:DeleteUserPermissionsBoundary",
  "iam:DeleteUserPolicy",
  "iam:DetachGroupPolicy",
  "iam:DetachRolePolicy",
  "iam:DetachUserPolicy",
  "iam:PutGroupPolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:PutUserPermissionsBoundary",
  "iam:PutUserPolicy",
  "iam:RemoveUserFromGroup",
  "iam:SetDefaultPolicyVersion",
  "iam:UpdateAccessKey",
  "iam:UpdateAccountPasswordPolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateGroup",
  "iam:UpdateLoginProfile",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:UpdateRole",
  "iam:UpdateSAMLProvider",
  "iam:UpdateUser",
];

/** The actions with which a principal can grant itself any permission in one step. */
export const IAM_ESCALATION_ACTIONS: readonly string[] = [
  "iam:AttachUserPolicy",
  "iam:AttachGroupPolicy",
  "iam:AttachRolePolicy",
  "iam:PutUserPolicy",
  "iam:PutGroupPolicy",
  "iam:PutRolePolicy",
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AddUserToGroup",
  "iam:UpdateAssumeRolePolicy",
];

export interface PolicyAnalysis {
  /** Some Allow statement grants administrator access (see the module comment). */
  isAdmin: boolean;
  /** The statements that do, e.g. `Sid AllowAll`, `statement 2 (NotAction, conditional)`. */
  adminStatements: string[];
  /** Some Allow statement grants an IAM write action broadly. */
  canWriteIam: boolean;
  /** The IAM write grants as written (`iam:*`, `iam:AttachRolePolicy`, `NotAction [s3:*]`). */
  iamWriteGrants: string[];
  /** An unconditional Deny of every action on every resource. */
  deniesEverything: boolean;
  /** An unconditional Deny of every IAM write action on every resource. */
  deniesIamWrite: boolean;
  /** Deny statements that were not subtracted (narrower or conditional), for the reviewer. */
  otherDenies: string[];
}

function describe(s: Statement): string {
  const parts: string[] = [];
  if (s.notActions) parts.push(`NotAction [${s.notActions.join(", ")}]`);
  if (s.notResources) parts.push("NotResource");
  if (hasCondition(s)) parts.push("conditional");
  return parts.length ? `${statementLabel(s)} (${parts.join(", ")})` : statementLabel(s);
}

/** Does an Allow statement grant administrator access? */
export function isAdminStatement(s: Statement): boolean {
  if (s.effect !== "Allow" || !appliesToAllResources(s)) return false;
  if (s.actions) return actionIsEverything(s);
  return IAM_ESCALATION_ACTIONS.some((a) => coversAction(s, a));
}

/** A resource a broad IAM write may target: every resource, or a wildcard IAM ARN without policy variables. */
function isBroadIamResource(r: string): boolean {
  if (isWildcardResource(r)) return true;
  if (r.includes("${")) return false;
  return /^arn:[^:]+:iam::[^:]*:/.test(r) && r.includes("*");
}

/** The IAM write grants of an Allow statement, as written; empty when it grants none broadly. */
export function iamWriteGrantsOf(s: Statement): string[] {
  if (s.effect !== "Allow") return [];
  const broad = s.resources ? s.resources.some(isBroadIamResource) : appliesToAllResources(s);
  if (!broad) return [];
  if (!IAM_WRITE_ACTIONS.some((a) => coversAction(s, a))) return [];
  if (s.notActions) return [`NotAction [${s.notActions.join(", ")}]`];
  return (s.actions ?? []).filter((p) =>
    IAM_WRITE_ACTIONS.some((a) => coversAction({ ...s, actions: [p] }, a)),
  );
}

function unconditionalDenyOfAll(s: Statement, actions: readonly string[] | "everything"): boolean {
  if (s.effect !== "Deny" || hasCondition(s) || !appliesToAllResources(s)) return false;
  if (actions === "everything") return s.actions ? actionIsEverything(s) : (s.notActions ?? []).length === 0;
  return actions.every((a) => coversAction(s, a));
}

/** Analyses one decoded policy document. Throws PolicyDocumentError for a malformed document. */
export function analysePolicy(doc: unknown): PolicyAnalysis {
  const statements = statementsOf(doc);
  const adminStatements: string[] = [];
  const iamWriteGrants: string[] = [];
  const otherDenies: string[] = [];
  let deniesEverything = false;
  let deniesIamWrite = false;
  for (const s of statements) {
    if (s.effect === "Allow") {
      if (isAdminStatement(s)) adminStatements.push(describe(s));
      for (const g of iamWriteGrantsOf(s)) if (!iamWriteGrants.includes(g)) iamWriteGrants.push(g);
      continue;
    }
    const all = unconditionalDenyOfAll(s, "everything");
    const iam = unconditionalDenyOfAll(s, IAM_WRITE_ACTIONS);
    deniesEverything ||= all;
    deniesIamWrite ||= all || iam;
    if (!all && !iam) otherDenies.push(describe(s));
  }
  return {
    isAdmin: adminStatements.length > 0 && !deniesEverything,
    adminStatements,
    canWriteIam: iamWriteGrants.length > 0 && !deniesEverything && !deniesIamWrite,
    iamWriteGrants,
    deniesEverything,
    deniesIamWrite,
    otherDenies,
  };
}

/** Does some Allow statement of the document allow `action` on `resourceArn` (Deny not considered)? */
export function allowsAction(doc: unknown, action: string, resourceArn: string): boolean {
  return statementsOf(doc).some(
    (s) => s.effect === "Allow" && coversAction(s, action) && coversResource(s, resourceArn),
  );
}
