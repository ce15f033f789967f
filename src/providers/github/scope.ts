/**
 * What a GitHub run covers: the organizations named with --github-org, and — only when a repository-scoped
 * control is selected — their repositories: every non-archived repository the token can list, or those
 * matching --github-repos patterns (`name`, `org/name`, `*` wildcards). A repository named exactly that the
 * listing does not show is asked for directly; a 404 there is a scope gap (a private repository the token
 * cannot see), so the controls that need it are `error`, never a shorter population.
 */
import type { ScopeGap } from "../../core/types.js";
import type { GitHubCalls } from "./calls.js";
import type { RepositoryInfo } from "./context.js";
import { describeDenied } from "./errors.js";

export interface OrgInfo {
  login: string;
  id: number;
  name: string | null;
  /** GET /orgs/{org} as GitHub answered it (plain JSON): the organization-settings query reads it. */
  raw: Record<string, unknown>;
}

export class GitHubScope {
  readonly orgs: OrgInfo[] = [];
  readonly gaps: ScopeGap[] = [];
  private repos?: Promise<{ repos: RepositoryInfo[]; gaps: ScopeGap[] }>;
  private readonly listings = new Map<string, Promise<RepositoryInfo[]>>();

  constructor(
    private readonly calls: GitHubCalls,
    private readonly requested: { orgs: string[]; repoPatterns: string[] },
  ) {}

  /** Reads each organization (one call each); an organization that cannot be read is a scope gap. */
  async discoverOrganizations(): Promise<void> {
    for (const login of this.requested.orgs) {
      try {
        const o = await this.calls.get<Record<string, unknown>>("orgs:get", login, { org: login });
        this.orgs.push({
          login: String(o.login),
          id: Number(o.id),
          name: typeof o.name === "string" ? o.name : null,
          raw: o,
        });
      } catch (e) {
        this.gaps.push({
          provider: "github",
          unit: login,
          reason: describeDenied(e, `organization ${login}`),
        });
      }
    }
  }

  /** The repositories in scope (listed once per run, on first use). */
  repositories(): Promise<{ repos: RepositoryInfo[]; gaps: ScopeGap[] }> {
    this.repos ??= this.listRepositories();
    return this.repos;
  }

  /**
   * Every repository of an organization the token can list, archived ones included (listed once per run and
   * shared by the repository scope and the github.org.repositories query). Rejects when the listing fails.
   */
  listing(org: string): Promise<RepositoryInfo[]> {
    const key = org.toLowerCase();
    let p = this.listings.get(key);
    if (!p) {
      p = this.calls
        .paged<Record<string, unknown>>("repos:listForOrg", org, { org, type: "all", sort: "full_name" })
        .then((raw) => raw.map(toRepositoryInfo));
      this.listings.set(key, p);
    }
    return p;
  }

  private async listRepositories(): Promise<{ repos: RepositoryInfo[]; gaps: ScopeGap[] }> {
    const repos: RepositoryInfo[] = [];
    const gaps: ScopeGap[] = [];
    const patterns = this.requested.repoPatterns;
    for (const org of this.orgs) {
      let listed: RepositoryInfo[];
      try {
        listed = await this.listing(org.login);
      } catch (e) {
        gaps.push({
          provider: "github",
          unit: org.login,
          reason: describeDenied(e, `repositories of ${org.login}`),
        });
        continue;
      }
      const inOrg = (p: string) =>
        !p.includes("/") || p.split("/")[0]!.toLowerCase() === org.login.toLowerCase();
      const orgPatterns = patterns.filter(inOrg);
      const chosen =
        patterns.length === 0
          ? listed.filter((r) => !r.archived)
          : listed.filter((r) => orgPatterns.some((p) => matches(p, r)));
      repos.push(...chosen);
      // An exact name the listing did not return: ask for it, so a repository the token cannot see is a gap.
      for (const p of orgPatterns.filter((p) => !p.includes("*"))) {
        if (chosen.some((r) => matches(p, r))) continue;
        const name = p.includes("/") ? p.split("/")[1]! : p;
        const unit = `${org.login}/${name}`;
        try {
          const r = toRepositoryInfo(
            await this.calls.get<Record<string, unknown>>("repos:get", unit, {
              owner: org.login,
              repo: name,
            }),
          );
          repos.push(r);
        } catch (e) {
          gaps.push({ provider: "github", unit, reason: describeDenied(e, `repository ${unit}`) });
        }
      }
    }
    return { repos: dedupe(repos), gaps };
  }
}

export function toRepositoryInfo(r: Record<string, unknown>): RepositoryInfo {
  const owner = (r.owner as { login?: string } | undefined)?.login ?? String(r.full_name).split("/")[0]!;
  return {
    full_name: String(r.full_name),
    owner,
    name: String(r.name),
    default_branch: String(r.default_branch ?? "main"),
    visibility: String(r.visibility ?? (r.private ? "private" : "public")),
    archived: r.archived === true,
  };
}

/** `name`, `org/name`, with `*` matching any run of characters; case-insensitive like GitHub names. */
export function matches(pattern: string, repo: RepositoryInfo): boolean {
  const target = pattern.includes("/") ? repo.full_name : repo.name;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "i");
  return re.test(target);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

function dedupe(repos: RepositoryInfo[]): RepositoryInfo[] {
  const seen = new Map<string, RepositoryInfo>();
  for (const r of repos) seen.set(r.full_name.toLowerCase(), r);
  return [...seen.values()].sort((a, b) => a.full_name.localeCompare(b.full_name));
}
