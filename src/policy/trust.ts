/**
 * Role trust policies (AssumeRolePolicyDocument): who may assume the role, and under which conditions.
 *
 * A statement "trusts another account" when it Allows sts:AssumeRole to an AWS principal outside the role's
 * own account: an account id, an account's root ARN, a user or role ARN of another account, or `*` (anyone).
 * For each such statement we record which condition keys really constrain the caller:
 * - operators ending in `IfExists`, negated operators (`StringNotEquals`, `ArnNotLike`, …) and `Null` are
 *   not constraints (an absent key or any other value passes), so their keys are not recorded;
 * - `aws:MultiFactorAuthPresent` counts only as `Bool` … `true`.
 * Known keys are reported in AWS's canonical spelling (condition keys are case-insensitive).
 */
import { coversAction, type Statement, statementsOf } from "./statements.js";

export interface ExternalTrust {
  /** The statement, e.g. `Sid CrossAccount` or `statement 1`. */
  statement: string;
  /** The external AWS principals as written. */
  principals: string[];
  /** Their account ids (`*` for anyone). */
  accounts: string[];
  /** Condition keys that constrain the caller (see module comment). */
  condition_keys: string[];
}

export interface TrustAnalysis {
  /** AWS principals (ARNs / account ids / `*`) trusted, any account. */
  awsPrincipals: string[];
  /** Service principals (`lambda.amazonaws.com`). */
  services: string[];
  /** Federated principals (SAML / OIDC providers). */
  federated: string[];
  /** Statements trusting principals outside `ownAccount`. */
  external: ExternalTrust[];
}

const CANONICAL_KEYS: Record<string, string> = {
  "sts:externalid": "sts:ExternalId",
  "aws:multifactorauthpresent": "aws:MultiFactorAuthPresent",
  "aws:multifactorauthage": "aws:MultiFactorAuthAge",
  "aws:principalorgid": "aws:PrincipalOrgID",
  "aws:principalorgpaths": "aws:PrincipalOrgPaths",
  "aws:principalarn": "aws:PrincipalArn",
  "aws:sourceidentity": "aws:SourceIdentity",
  "aws:sourceip": "aws:SourceIp",
};

const NEGATED = /Not|^Null$/;

/** The condition keys of a statement that constrain the caller. */
export function constrainingConditionKeys(s: Statement): string[] {
  const keys = new Set<string>();
  for (const [op, block] of Object.entries(s.condition)) {
    const bare = op.replace(/^(ForAnyValue|ForAllValues):/, "");
    if (bare.endsWith("IfExists") || NEGATED.test(bare)) continue;
    for (const [key, values] of Object.entries(block)) {
      const canonical = CANONICAL_KEYS[key.toLowerCase()] ?? key;
      if (canonical === "aws:MultiFactorAuthPresent") {
        if (bare !== "Bool" || !values.every((v) => v.toLowerCase() === "true")) continue;
      }
      keys.add(canonical);
    }
  }
  return [...keys].sort();
}

/** The account id of an AWS principal as written in a policy (`123456789012`, an ARN, or `*`). */
export function accountOfPrincipal(p: string): string {
  if (p === "*") return "*";
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:[^:]+:(?:iam|sts)::(\d{12}|\*):/.exec(p);
  return m ? m[1]! : "*";
}

/** Analyses a decoded trust policy for a role in `ownAccount`. Throws PolicyDocumentError if malformed. */
export function analyseTrustPolicy(doc: unknown, ownAccount: string): TrustAnalysis {
  const out: TrustAnalysis = { awsPrincipals: [], services: [], federated: [], external: [] };
  const add = (list: string[], v: string) => {
    if (!list.includes(v)) list.push(v);
  };
  for (const s of statementsOf(doc)) {
    if (s.effect !== "Allow" || !s.principal) continue;
    const assumes = ["sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"].some((a) =>
      coversAction(s, a),
    );
    if (!assumes) continue;
    const aws = s.principal === "*" ? ["*"] : (s.principal.AWS ?? []);
    if (s.principal !== "*") {
      for (const v of s.principal.Service ?? []) add(out.services, v);
      for (const v of s.principal.Federated ?? []) add(out.federated, v);
    }
    for (const v of aws) add(out.awsPrincipals, v);
    if (!coversAction(s, "sts:AssumeRole")) continue;
    const external = aws.filter((p) => accountOfPrincipal(p) !== ownAccount);
    if (external.length === 0) continue;
    out.external.push({
      statement: s.sid ? `Sid ${s.sid}` : `statement ${s.index + 1}`,
      principals: external,
      accounts: [...new Set(external.map(accountOfPrincipal))].sort(),
      condition_keys: constrainingConditionKeys(s),
    });
  }
  return out;
}
