/**
 * Organization-level populations: the organization's own settings (2FA requirement), its owners, the members
 * GitHub reports without two-factor authentication, and the Actions policy (allowed actions, the default
 * GITHUB_TOKEN permissions). One call per organization each (list calls paged at 100).
 */
import { defineGitHubQuery } from "../../providers/github/context.js";
import { loginOf } from "./normalise.js";

export const organizationSettings = defineGitHubQuery({
  id: "github.org.settings",
  scope: "organization",
  title: "The organization's security settings (one row per organization)",
  calls: ["orgs:get"],
  fields: {
    org: "string: the organization login",
    name: "string?: the display name",
    two_factor_requirement_enabled:
      "bool?: members must use two-factor authentication (null: GitHub shows it to organization owners only)",
    default_repository_permission: "string?: the base permission of members (read, write, admin, none)",
    members_can_create_public_repositories: "bool?: members may create public repositories",
  },
  async fetch(ctx) {
    // Discovery already asked GET /orgs/{org}: one recorded call serves both.
    const o = ctx.github.organization;
    const bool = (v: unknown) => (typeof v === "boolean" ? v : null);
    return [
      {
        org: String(o.login),
        name: typeof o.name === "string" ? o.name : null,
        two_factor_requirement_enabled: bool(o.two_factor_requirement_enabled),
        default_repository_permission:
          typeof o.default_repository_permission === "string" ? o.default_repository_permission : null,
        members_can_create_public_repositories: bool(o.members_can_create_public_repositories),
      },
    ];
  },
});

export const organizationOwners = defineGitHubQuery({
  id: "github.org.owners",
  scope: "organization",
  title: "Organization owners (members with the admin role)",
  calls: ["orgs:listMembers"],
  fields: {
    org: "string: the organization login",
    login: "string: the owner's login",
    id: "double: the user id",
    type: "string: User or Bot",
    site_admin: "bool: a GitHub Enterprise Server site administrator",
  },
  async fetch(ctx) {
    const org = ctx.github.org;
    const members = await ctx.github.calls.paged<Record<string, unknown>>("orgs:listMembers", org, {
      org,
      role: "admin",
    });
    return members.map((m) => ({
      org,
      login: loginOf(m) ?? "(unknown)",
      id: Number(m.id),
      type: String(m.type ?? "User"),
      site_admin: m.site_admin === true,
    }));
  },
});

export const membersWithout2fa = defineGitHubQuery({
  id: "github.org.membersWithout2fa",
  scope: "organization",
  title: "Organization members without two-factor authentication (filter=2fa_disabled; owners only)",
  calls: ["orgs:listMembers"],
  fields: {
    org: "string: the organization login",
    login: "string: the member's login",
    id: "double: the user id",
    type: "string: User or Bot",
  },
  async fetch(ctx) {
    const org = ctx.github.org;
    // GitHub answers this filter only to organization owners; for anyone else it is an error, not an empty
    // list, so a missing permission cannot read as "nobody lacks 2FA".
    const members = await ctx.github.calls.paged<Record<string, unknown>>("orgs:listMembers", org, {
      org,
      filter: "2fa_disabled",
    });
    return members.map((m) => ({
      org,
      login: loginOf(m) ?? "(unknown)",
      id: Number(m.id),
      type: String(m.type ?? "User"),
    }));
  },
});

export const actionsPolicy = defineGitHubQuery({
  id: "github.actions.orgPolicy",
  scope: "organization",
  title:
    "The organization's GitHub Actions policy: which actions may run, and the default GITHUB_TOKEN permissions",
  calls: [
    "actions:getGithubActionsPermissionsOrganization",
    "actions:getGithubActionsDefaultWorkflowPermissionsOrganization",
    "actions:getAllowedActionsOrganization",
  ],
  fields: {
    org: "string: the organization login",
    enabled_repositories: "string: all, none or selected (repositories where Actions may run)",
    allowed_actions: "string?: all, local_only or selected (null when Actions are disabled)",
    github_owned_allowed: "bool?: with selected: actions created by GitHub are allowed",
    verified_allowed: "bool?: with selected: Marketplace actions by verified creators are allowed",
    patterns_allowed: "list<string>: with selected: the allowed action patterns",
    sha_pinning_required: "bool?: actions must be pinned to a full commit SHA",
    default_workflow_permissions: "string: read or write (the GITHUB_TOKEN's default permissions)",
    can_approve_pull_request_reviews: "bool: workflows may approve pull requests",
  },
  async fetch(ctx) {
    const org = ctx.github.org;
    const calls = ctx.github.calls;
    const perms = await calls.get<Record<string, unknown>>(
      "actions:getGithubActionsPermissionsOrganization",
      org,
      {
        org,
      },
    );
    const workflow = await calls.get<Record<string, unknown>>(
      "actions:getGithubActionsDefaultWorkflowPermissionsOrganization",
      org,
      { org },
    );
    const allowed = typeof perms.allowed_actions === "string" ? perms.allowed_actions : null;
    // The selected-actions list exists only when the policy is "selected": no call otherwise.
    const selected =
      allowed === "selected"
        ? await calls.get<Record<string, unknown>>("actions:getAllowedActionsOrganization", org, { org })
        : undefined;
    return [
      {
        org,
        enabled_repositories: String(perms.enabled_repositories),
        allowed_actions: allowed,
        github_owned_allowed:
          typeof selected?.github_owned_allowed === "boolean" ? selected.github_owned_allowed : null,
        verified_allowed: typeof selected?.verified_allowed === "boolean" ? selected.verified_allowed : null,
        patterns_allowed: Array.isArray(selected?.patterns_allowed)
          ? selected.patterns_allowed.map(String)
          : [],
        sha_pinning_required:
          typeof perms.sha_pinning_required === "boolean" ? perms.sha_pinning_required : null,
        default_workflow_permissions: String(workflow.default_workflow_permissions),
        can_approve_pull_request_reviews: workflow.can_approve_pull_request_reviews === true,
      },
    ];
  },
});
