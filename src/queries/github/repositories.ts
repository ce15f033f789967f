/**
 * github.org.repositories — every repository of the organization the token can list, archived ones included:
 * the population other evidence links to (the AWS OIDC trusts name the repositories they let in). It is the
 * same listing the repository scope is chosen from (one `repos:listForOrg` listing per organization per run).
 */
import { defineGitHubQuery } from "../../providers/github/context.js";

export const organizationRepositories = defineGitHubQuery({
  id: "github.org.repositories",
  scope: "organization",
  title: "Every repository of the organization (archived included), as the token lists them",
  calls: ["repos:listForOrg"],
  fields: {
    org: "string: the organization login",
    full_name: "string: owner/name",
    name: "string: the repository name",
    visibility: "string: public, private or internal",
    archived: "bool: archived (read-only; its workflows do not run)",
    default_branch: "string: the default branch",
  },
  async fetch(ctx) {
    const repos = await ctx.github.repositories();
    return repos.map((r) => ({
      org: ctx.github.org,
      full_name: r.full_name,
      name: r.name,
      visibility: r.visibility,
      archived: r.archived,
      default_branch: r.default_branch,
    }));
  },
});
