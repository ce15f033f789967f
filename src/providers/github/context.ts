/** The context GitHub query modules receive: the engine's QueryContext plus the run's scope and call wrapper. */
import type { QueryContext, QueryDef } from "../../core/query.js";
import type { GitHubCalls } from "./calls.js";
import { permissionsOf } from "./permissions.js";

/** A repository in scope, as queries see it (no Octokit type crosses this line). */
export interface RepositoryInfo {
  /** `owner/name`: the unit findings are reported against. */
  full_name: string;
  owner: string;
  name: string;
  default_branch: string;
  visibility: string;
  archived: boolean;
}

export interface GitHubQueryContext extends QueryContext {
  github: {
    /** The organization login of the scope. */
    org: string;
    /** The organization as GET /orgs/{org} answered during discovery (plain JSON, recorded like any call). */
    organization: Record<string, unknown>;
    /** The repository, for repository-scoped queries. */
    repo?: RepositoryInfo;
    /** Every GitHub request goes through this (recording, replay, read-only guard, budget). */
    calls: GitHubCalls;
    /** Once per run per key (single-flight), e.g. an organization's outside collaborators for every repository. */
    memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
    /** Every repository of the scope's organization, archived included (the run's one listing of it). */
    repositories(): Promise<RepositoryInfo[]>;
  };
}

export type GitHubQueryDef = QueryDef<GitHubQueryContext>;

/** Operations every GitHub run makes whatever the controls: the organization, and its repositories when a
 * repository-scoped control is selected. */
export const DISCOVERY_CALLS = ["orgs:get"];
export const REPOSITORY_DISCOVERY_CALLS = ["repos:listForOrg", "repos:get"];

/**
 * Declares a GitHub query. `permissions` are derived from `calls` (permissions.ts), so the printed
 * fine-grained token / App permissions cannot drift from what the query really calls.
 */
export function defineGitHubQuery(def: Omit<GitHubQueryDef, "provider" | "permissions">): GitHubQueryDef {
  const calls = [
    ...new Set([
      ...DISCOVERY_CALLS,
      ...(def.scope === "repository" ? REPOSITORY_DISCOVERY_CALLS : []),
      ...def.calls,
    ]),
  ];
  return { provider: "github", ...def, calls, permissions: permissionsOf(calls) };
}

/** The repository of a repository-scoped query (throws if asked at organization scope). */
export function repoOf(ctx: GitHubQueryContext): RepositoryInfo {
  if (!ctx.github.repo) throw new Error(`${ctx.scope.unit} is not a repository scope`);
  return ctx.github.repo;
}
