/**
 * Who can change a repository: its collaborators with their effective role (direct, through teams, the
 * organization's base permission and ownership — GitHub's `role_name`), marked outside collaborators where the
 * organization lists them as such; and its deploy keys. One list call per repository each, plus one list of
 * the organization's outside collaborators per run (shared by every repository through the provider memo).
 */
import type { Row } from "../../core/types.js";
import { defineGitHubQuery, repoOf } from "../../providers/github/context.js";
import { asTimestamp, loginOf } from "./normalise.js";

const ROLE_RANK: Record<string, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export const repositoryCollaborators = defineGitHubQuery({
  id: "github.repo.collaborators",
  scope: "repository",
  title:
    "Everyone with access to each repository, with the role they hold and whether they are outside collaborators",
  calls: ["repos:listCollaborators", "orgs:listOutsideCollaborators"],
  fields: {
    repository: "string: owner/name",
    login: "string: the collaborator's login",
    binding_id: "string: repository/login (one row per person per repository)",
    role: "string: admin, maintain, write, triage, read, or a custom role's name",
    can_write: "bool: the role can push (write, maintain, admin, or a custom role with push)",
    is_admin: "bool: the role is admin",
    outside_collaborator: "bool: not a member of the organization",
    type: "string: User or Bot",
  },
  async fetch(ctx): Promise<Row[]> {
    const repo = repoOf(ctx);
    const org = ctx.github.org;
    const calls = ctx.github.calls;
    const outside = await ctx.github.memo(`outside:${org}`, async () => {
      const list = await calls.paged<Record<string, unknown>>("orgs:listOutsideCollaborators", org, { org });
      return new Set(list.map((u) => (loginOf(u) ?? "").toLowerCase()));
    });
    const people = await calls.paged<Record<string, unknown>>("repos:listCollaborators", repo.full_name, {
      owner: repo.owner,
      repo: repo.name,
      affiliation: "all",
    });
    return people.map((p) => {
      const login = loginOf(p) ?? "(unknown)";
      const perms = (p.permissions ?? {}) as Record<string, unknown>;
      const role =
        typeof p.role_name === "string" ? p.role_name : perms.admin ? "admin" : perms.push ? "write" : "read";
      return {
        repository: repo.full_name,
        login,
        binding_id: `${repo.full_name}/${login}`,
        role,
        can_write: perms.push === true || (ROLE_RANK[role] ?? 0) >= ROLE_RANK.write!,
        is_admin: perms.admin === true || role === "admin",
        outside_collaborator: outside.has(login.toLowerCase()),
        type: String(p.type ?? "User"),
      };
    });
  },
});

export const deployKeys = defineGitHubQuery({
  id: "github.repo.deployKeys",
  scope: "repository",
  title: "Deploy keys of each repository, with whether they can write",
  calls: ["repos:listDeployKeys"],
  fields: {
    repository: "string: owner/name",
    key_id: "string: repository/key id",
    title: "string: the key's title",
    read_only: "bool: the key can only read",
    verified: "bool: GitHub verified the key",
    created_at: "timestamp?: when the key was added",
    last_used: "timestamp?: when the key was last used (null: never, or not reported)",
    added_by: "string?: who added the key",
  },
  async fetch(ctx): Promise<Row[]> {
    const repo = repoOf(ctx);
    const keys = await ctx.github.calls.paged<Record<string, unknown>>(
      "repos:listDeployKeys",
      repo.full_name,
      {
        owner: repo.owner,
        repo: repo.name,
      },
    );
    return keys.map((k) => ({
      repository: repo.full_name,
      key_id: `${repo.full_name}/${k.id}`,
      title: String(k.title ?? ""),
      read_only: k.read_only === true,
      verified: k.verified === true,
      created_at: asTimestamp(k.created_at),
      last_used: asTimestamp(k.last_used),
      added_by: typeof k.added_by === "string" ? k.added_by : null,
    }));
  },
});
