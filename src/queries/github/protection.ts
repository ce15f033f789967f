/**
 * The protection of each repository's default branch, from both mechanisms GitHub has, merged into one row:
 * classic branch protection (GET …/branches/{branch}/protection; 404 "Branch not protected" when there is
 * none) and repository rulesets — the active rules that apply to the branch (GET …/rules/branches/{branch},
 * organization rulesets included) and, for the bypass list, each of those rulesets (GET …/rulesets/{id}).
 *
 * A requirement holds when either mechanism imposes it (the rules layer: the most restrictive applies).
 * `bypass_actors` names who may push past them: classic `bypass_pull_request_allowances`, `admins` when
 * classic protection does not apply to administrators, and every ruleset's bypass actor. It is null when a
 * ruleset's bypass list is not visible to the token, so a control over it is `error`, not `pass`.
 */
import type { Row } from "../../core/types.js";
import { defineGitHubQuery, repoOf } from "../../providers/github/context.js";
import { apiMessage, httpStatus } from "../../providers/github/errors.js";
import { enabled, loginOf } from "./normalise.js";

interface Rule {
  type: string;
  ruleset_id?: number;
  parameters?: Record<string, unknown>;
}

export const defaultBranchProtection = defineGitHubQuery({
  id: "github.repo.defaultBranchProtection",
  scope: "repository",
  title: "Default-branch protection of each repository (branch protection and rulesets, merged)",
  calls: ["repos:getBranchProtection", "repos:getBranchRules", "repos:getRepoRuleset"],
  fields: {
    repository: "string: owner/name",
    default_branch: "string: the default branch",
    visibility: "string: public, private or internal",
    protected: "bool: branch protection or at least one active ruleset rule applies to the default branch",
    sources: "list<string>: branch_protection and/or ruleset:<id> for each mechanism that applies",
    requires_pull_request: "bool: changes must come through a pull request",
    required_approvals:
      "double: approving reviews required before merge (0 without a pull-request requirement)",
    dismiss_stale_reviews: "bool: a new push dismisses earlier approvals",
    require_code_owner_reviews: "bool: a code owner must approve changes to owned files",
    require_last_push_approval:
      "bool: the most recent push must be approved by someone other than its pusher",
    bypass_actors:
      "list<string>?: who may bypass (admins, user:LOGIN, team:SLUG, app:SLUG, or a ruleset actor as TYPE:ID); null when a ruleset's bypass list is not visible",
    force_push_blocked: "bool: force pushes to the default branch are blocked",
    deletion_blocked: "bool: the default branch cannot be deleted",
    required_status_checks: "list<string>: status checks that must pass before merge",
    strict_status_checks: "bool: the branch must be up to date with the base before merge",
  },
  async fetch(ctx): Promise<Row[]> {
    const repo = repoOf(ctx);
    const calls = ctx.github.calls;
    const at = repo.full_name;
    const where = { owner: repo.owner, repo: repo.name, branch: repo.default_branch };

    let classic: Record<string, unknown> | null = null;
    try {
      classic = await calls.get("repos:getBranchProtection", at, where);
    } catch (e) {
      // 404 means "no protection" only with GitHub's own message; any other 404 is a token that cannot see it.
      if (!(httpStatus(e) === 404 && /branch not protected/i.test(apiMessage(e)))) throw e;
    }
    const rules = await calls.paged<Rule>("repos:getBranchRules", at, where);

    const reviews = (classic?.required_pull_request_reviews ?? null) as Record<string, unknown> | null;
    const prRules = rules.filter((r) => r.type === "pull_request").map((r) => r.parameters ?? {});
    const statusRules = rules
      .filter((r) => r.type === "required_status_checks")
      .map((r) => r.parameters ?? {});
    const classicChecks = (classic?.required_status_checks ?? null) as Record<string, unknown> | null;
    const rulesetIds = [
      ...new Set(rules.map((r) => r.ruleset_id).filter((id): id is number => typeof id === "number")),
    ];

    const bypass: string[] = [];
    let bypassVisible = true;
    if (classic) {
      if (!enabled(classic.enforce_admins)) bypass.push("admins");
      const allow = (reviews?.bypass_pull_request_allowances ?? {}) as Record<string, unknown[] | undefined>;
      for (const u of allow.users ?? []) bypass.push(`user:${loginOf(u)}`);
      for (const t of allow.teams ?? []) bypass.push(`team:${(t as { slug?: string }).slug}`);
      for (const a of allow.apps ?? []) bypass.push(`app:${(a as { slug?: string }).slug}`);
    }
    for (const id of rulesetIds) {
      const rs = await calls.get<Record<string, unknown>>("repos:getRepoRuleset", at, {
        owner: repo.owner,
        repo: repo.name,
        ruleset_id: id,
        includes_parents: true,
      });
      // GitHub leaves bypass_actors out for callers who may not see it: unknown, not "nobody".
      if (!Array.isArray(rs.bypass_actors)) {
        bypassVisible = false;
        continue;
      }
      for (const a of rs.bypass_actors as { actor_type?: string; actor_id?: number | null }[])
        bypass.push(
          a.actor_type === "OrganizationAdmin" ? "OrganizationAdmin" : `${a.actor_type}:${a.actor_id ?? ""}`,
        );
    }

    const approvals = [
      ...(reviews ? [Number(reviews.required_approving_review_count ?? 0)] : []),
      ...prRules.map((p) => Number(p.required_approving_review_count ?? 0)),
    ];
    const checks = new Set<string>([
      ...((classicChecks?.contexts as string[] | undefined) ?? []).map(String),
      ...statusRules.flatMap((p) =>
        ((p.required_status_checks as { context: string }[] | undefined) ?? []).map((c) => c.context),
      ),
    ]);
    return [
      {
        repository: repo.full_name,
        default_branch: repo.default_branch,
        visibility: repo.visibility,
        protected: classic !== null || rules.length > 0,
        sources: [...(classic ? ["branch_protection"] : []), ...rulesetIds.map((id) => `ruleset:${id}`)],
        requires_pull_request: reviews !== null || prRules.length > 0,
        required_approvals: approvals.length ? Math.max(...approvals) : 0,
        dismiss_stale_reviews:
          reviews?.dismiss_stale_reviews === true ||
          prRules.some((p) => p.dismiss_stale_reviews_on_push === true),
        require_code_owner_reviews:
          reviews?.require_code_owner_reviews === true ||
          prRules.some((p) => p.require_code_owner_review === true),
        require_last_push_approval:
          reviews?.require_last_push_approval === true ||
          prRules.some((p) => p.require_last_push_approval === true),
        bypass_actors: bypassVisible ? [...new Set(bypass)].sort() : null,
        force_push_blocked:
          (classic !== null && !enabled(classic.allow_force_pushes)) ||
          rules.some((r) => r.type === "non_fast_forward"),
        deletion_blocked:
          (classic !== null && !enabled(classic.allow_deletions)) || rules.some((r) => r.type === "deletion"),
        required_status_checks: [...checks].sort(),
        strict_status_checks:
          classicChecks?.strict === true ||
          statusRules.some((p) => p.strict_required_status_checks_policy === true),
      },
    ];
  },
});
