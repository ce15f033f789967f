/**
 * The fine-grained personal access token / GitHub App permission each operation needs, from GitHub's
 * "Permissions required for fine-grained personal access tokens" and each endpoint's "Fine-grained access
 * tokens for …" section; a GraphQL query needs the permissions of every object it reads (GitHub applies the
 * same fine-grained permissions to GraphQL fields as to the REST endpoints of the same data). Every entry is
 * read access: the tool asks for nothing else. An operation missing
 * here is a programming error (a test checks every declared call has an entry), so the printed list cannot
 * silently miss a permission a query needs.
 */
export interface GitHubPermission {
  /** Repository or organization permission. */
  level: "repository" | "organization";
  /** The permission's name as GitHub's token and App settings show it. */
  name: string;
  access: "read";
}

const repo = (name: string): GitHubPermission => ({ level: "repository", name, access: "read" });
const org = (name: string): GitHubPermission => ({ level: "organization", name, access: "read" });

export const OPERATION_PERMISSIONS: Readonly<Record<string, GitHubPermission | GitHubPermission[]>> = {
  // GET /orgs/{org}: public fields need none; two_factor_requirement_enabled is shown to owners / Administration.
  "orgs:get": org("Administration"),
  "orgs:listMembers": org("Members"),
  "orgs:listOutsideCollaborators": org("Members"),
  "actions:getGithubActionsPermissionsOrganization": org("Administration"),
  "actions:getGithubActionsDefaultWorkflowPermissionsOrganization": org("Administration"),
  "actions:getAllowedActionsOrganization": org("Administration"),
  "repos:listForOrg": repo("Metadata"),
  "repos:get": repo("Metadata"),
  "repos:getBranchProtection": repo("Administration"),
  "repos:getBranchRules": repo("Metadata"),
  "repos:getRepoRuleset": repo("Metadata"),
  "repos:listCollaborators": repo("Metadata"),
  "repos:listDeployKeys": repo("Administration"),
  "repos:getAllEnvironments": repo("Actions"),
  "actions:getGithubActionsDefaultWorkflowPermissionsRepository": repo("Administration"),
  // Per-change evidence (queries/github/changes.ts): commit history (Contents), pull requests and reviews.
  "graphql:DefaultBranchChanges": [repo("Metadata"), repo("Contents"), repo("Pull requests")],
  "graphql:CommitPullRequests": [repo("Metadata"), repo("Contents"), repo("Pull requests")],
  "graphql:PullRequestReviews": [repo("Metadata"), repo("Pull requests")],
};

/** `Repository: Contents (read)` style labels, sorted, for the declared calls. */
export function permissionsOf(calls: string[]): string[] {
  const out = new Set<string>();
  for (const call of calls) {
    const p = OPERATION_PERMISSIONS[call];
    if (!p)
      throw new Error(
        `no GitHub permission is known for ${call} (add it to providers/github/permissions.ts)`,
      );
    for (const one of [p].flat()) out.add(permissionLabel(one));
  }
  return [...out].sort();
}

export function permissionLabel(p: GitHubPermission): string {
  return `${p.level === "repository" ? "Repository" : "Organization"}: ${p.name} (${p.access})`;
}
