/**
 * aws.iam.oidcTrust — one row per (role, trust statement, OIDC provider) letting a CI system's tokens assume
 * the role, with how tightly the statement pins the token's subject (src/policy/oidc-trust.ts) and the
 * repositories and refs it lets in (for linking with the CI provider's own evidence). Derived from
 * aws.iam.authorizationDetails: no API call of its own.
 */
import type { Row } from "../../../core/types.js";
import { analyseOidcTrust } from "../../../policy/oidc-trust.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { AuthzEntity } from "./authorization-details.js";

export const oidcTrust = defineAwsQuery({
  id: "aws.iam.oidcTrust",
  scope: "account",
  title: "Roles trusting an OIDC provider (GitHub Actions, GitLab CI): subject conditions and pinning",
  permissions: ["iam:GetAccountAuthorizationDetails"],
  calls: [],
  uses: ["aws.iam.authorizationDetails"],
  fields: {
    trust_id: "string: `<role name> <statement> <issuer>`",
    role_arn: "string: the role",
    role_name: "string: its name",
    statement: "string: `Sid X` or `statement N` of the trust policy",
    provider_arn: "string: the Federated principal (oidc-provider ARN)",
    issuer: "string: token.actions.githubusercontent.com, gitlab.com, …",
    provider_kind: "string: github | gitlab | other",
    subject_conditions: "list<string>: the `sub` conditions as written",
    subjects: "list<string>: the subjects (patterns) the deciding condition lets in",
    pin_level: "string: none | any | organization | repository | ref | environment | exact",
    pins_repository: "bool: the subject fixes the repository (or project)",
    pins_ref_or_environment: "bool: the subject also fixes a branch / tag or a deployment environment",
    trusted_repositories: "list<string>: `org/repo` (or `org/*` patterns) the statement lets in",
    trusted_refs: "list<string>: `org/repo:refs/heads/main`, `org/repo:environment:prod`, …",
    audiences: "list<string>: `aud` values required (empty: any audience)",
  },
  async fetch(ctx) {
    const entities = (await ctx.query("aws.iam.authorizationDetails")) as unknown as AuthzEntity[];
    const rows: Row[] = [];
    for (const role of entities.filter((e) => e.kind === "role" && e.trust_policy)) {
      for (const t of analyseOidcTrust(role.trust_policy)) {
        rows.push({
          trust_id: `${role.name} ${t.statement} ${t.issuer}`,
          role_arn: role.arn,
          role_name: role.name,
          statement: t.statement,
          provider_arn: t.provider_arn,
          issuer: t.issuer,
          provider_kind: t.provider_kind,
          subject_conditions: t.subject_conditions,
          subjects: t.subjects.map((s) => s.subject),
          pin_level: t.pin_level,
          pins_repository: t.pins_repository,
          pins_ref_or_environment: t.pins_ref_or_environment,
          trusted_repositories: t.trusted_repositories,
          trusted_refs: t.subjects
            .filter((s) => s.repository && s.ref)
            .map((s) => `${s.repository}:${s.ref}`),
          audiences: t.audiences,
        });
      }
    }
    return rows.sort((a, b) => String(a.trust_id).localeCompare(String(b.trust_id)));
  },
});
