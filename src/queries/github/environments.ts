/**
 * Deployment environments of each repository (GET …/environments, `{total_count, environments}` paged), with
 * their protection rules normalised: required reviewers, prevent self-review, wait timer, and which branches
 * may deploy (protected branches only, or custom branch policies).
 */
import type { Row } from "../../core/types.js";
import { defineGitHubQuery, repoOf } from "../../providers/github/context.js";
import { loginOf } from "./normalise.js";

interface ProtectionRule {
  type: string;
  wait_timer?: number;
  prevent_self_review?: boolean;
  reviewers?: { type?: string; reviewer?: { login?: string; slug?: string } }[];
}

export const environments = defineGitHubQuery({
  id: "github.repo.environments",
  scope: "repository",
  title: "Deployment environments of each repository, with reviewers and deployment-branch restrictions",
  calls: ["repos:getAllEnvironments"],
  fields: {
    repository: "string: owner/name",
    environment_id: "string: repository/environment name",
    name: "string: the environment's name",
    reviewers: "list<string>: required reviewers (user:LOGIN, team:SLUG)",
    prevent_self_review: "bool: the person who triggered a deployment cannot approve it",
    wait_timer_minutes: "double: minutes to wait before a deployment proceeds",
    branch_policy:
      "string: all (any branch may deploy), protected (protected branches only) or custom (named branches / patterns)",
  },
  async fetch(ctx): Promise<Row[]> {
    const repo = repoOf(ctx);
    const envs = await ctx.github.calls.paged<Record<string, unknown>>(
      "repos:getAllEnvironments",
      repo.full_name,
      {
        owner: repo.owner,
        repo: repo.name,
      },
    );
    return envs.map((e) => {
      const rules = (e.protection_rules ?? []) as ProtectionRule[];
      const reviewerRule = rules.find((r) => r.type === "required_reviewers");
      const policy = e.deployment_branch_policy as {
        protected_branches?: boolean;
        custom_branch_policies?: boolean;
      } | null;
      return {
        repository: repo.full_name,
        environment_id: `${repo.full_name}/${e.name}`,
        name: String(e.name),
        reviewers: (reviewerRule?.reviewers ?? []).map((r) =>
          r.type === "Team" ? `team:${r.reviewer?.slug}` : `user:${loginOf(r.reviewer)}`,
        ),
        prevent_self_review: reviewerRule?.prevent_self_review === true,
        wait_timer_minutes: Number(rules.find((r) => r.type === "wait_timer")?.wait_timer ?? 0),
        branch_policy: !policy
          ? "all"
          : policy.protected_branches
            ? "protected"
            : policy.custom_branch_policies
              ? "custom"
              : "all",
      };
    });
  },
});
