/**
 * aws.iam.oidcTrustRepositories — the GitHub Actions trusts of aws.iam.oidcTrust linked to the repositories
 * of the GitHub organizations audited in the same run (github.org.repositories, read through `ctx.linked`):
 * the cloud side and the source side of one pipeline. Which repositories each trust lets in, and which of
 * its trusted names are outside the audited organizations or match no repository (src/policy/oidc-link.ts).
 *
 * Without GitHub in the run there is nothing to link to: every row says `github_in_run: false` and the
 * control's `where` leaves the population empty (not applicable) — no GitHub call, no error. A trust into an
 * organization whose repositories could not be listed is an item problem: `error` for that trust only.
 */
import type { QueryProblem, Row } from "../../../core/types.js";
import { linkTrustedRepositories, type OrganizationListing } from "../../../policy/oidc-link.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";

export const oidcTrustRepositories = defineAwsQuery({
  id: "aws.iam.oidcTrustRepositories",
  scope: "account",
  title: "GitHub Actions OIDC trusts linked to the repositories of the GitHub organizations in the same run",
  permissions: ["iam:GetAccountAuthorizationDetails"],
  calls: [],
  uses: ["aws.iam.oidcTrust"],
  links: ["github.org.repositories"],
  fields: {
    trust_id: "string: `<role name> <statement> <issuer>`",
    role_arn: "string: the role",
    role_name: "string: its name",
    statement: "string: `Sid X` or `statement N` of the trust policy",
    subjects: "list<string>: the subjects (patterns) the deciding `sub` condition lets in",
    trusted_repositories: "list<string>: `org/repo` (or patterns such as `org/*`) the statement lets in",
    github_in_run: "bool: GitHub is part of this run, so the trust can be linked to its repositories",
    audited_organizations:
      "list<string>: the GitHub organizations whose repositories were listed in this run",
    linked_repositories: "list<string>: existing repositories of the audited organizations the trust lets in",
    outside_audited_organizations:
      "list<string>: trusted names that can match repositories outside the audited organizations",
    unknown_repositories:
      "list<string>: trusted names of an audited organization that match none of its repositories",
  },
  async fetch(ctx) {
    const trusts = (await ctx.query("aws.iam.oidcTrust")).filter((r) => r.provider_kind === "github");
    const github = await ctx.linked("github.org.repositories");
    const listing: OrganizationListing = { repositories: new Map(), failed: new Set() };
    for (const u of github?.units ?? [])
      listing.repositories.set(
        u.unit,
        u.rows.map((r) => String(r.full_name)),
      );
    for (const f of github?.failed ?? []) listing.failed.add(f.unit.split("/")[0]!.toLowerCase());
    const audited = [...listing.repositories.keys()].sort();

    const rows: Row[] = [];
    const problems: QueryProblem[] = [];
    for (const t of trusts) {
      const known = {
        trust_id: t.trust_id,
        role_arn: t.role_arn,
        role_name: t.role_name,
        statement: t.statement,
        subjects: t.subjects,
        trusted_repositories: t.trusted_repositories,
        github_in_run: github !== undefined,
        audited_organizations: audited,
      };
      if (!github) {
        rows.push({
          ...known,
          linked_repositories: [],
          outside_audited_organizations: [],
          unknown_repositories: [],
        });
        continue;
      }
      const link = linkTrustedRepositories(t.trusted_repositories as string[], listing);
      if (link.undecided.length > 0) {
        const why = github.failed
          .filter((f) =>
            link.undecided.some(
              (u) => u.split("/")[0]!.toLowerCase() === f.unit.split("/")[0]!.toLowerCase(),
            ),
          )
          .map((f) => `${f.unit}: ${f.reason}`);
        problems.push({
          item: known,
          message: `${t.trust_id}: the repositories it trusts (${link.undecided.join(", ")}) could not be linked: ${why.join("; ")}`,
        });
        continue;
      }
      rows.push({
        ...known,
        linked_repositories: link.linked,
        outside_audited_organizations: link.outside,
        unknown_repositories: link.unknown,
      });
    }
    return { rows, problems };
  },
});
