/**
 * Links the repositories an OIDC trust lets in (`trusted_repositories` of src/policy/oidc-trust.ts: `org/repo`,
 * or a pattern such as `org/*`, `org/deploy-*`, `*`) to the repositories of the GitHub organizations audited in
 * the same run. Three outcomes per trusted entry:
 * - it matches existing repositories of an audited organization: those are `linked`;
 * - its owner is not an audited organization, or is open (`*`, `org*`), or it names no repository at all (a
 *   custom-claim subject): it can let in repositories outside the audit — `outside`;
 * - its owner is audited but no repository of it matches: a repository that does not exist — `unknown`
 *   (whoever creates it can assume the role).
 * An entry whose organization could not be listed is `undecided` (the caller makes that item `error`).
 * Names compare case-insensitively, as GitHub resolves owner and repository names.
 */

export interface OrganizationListing {
  /** Organization login → the full names (`org/repo`) of its repositories; absent when not audited. */
  repositories: Map<string, string[]>;
  /** Organizations (lowercase logins) audited in the run whose listing failed. */
  failed: Set<string>;
}

export interface RepositoryLink {
  linked: string[];
  outside: string[];
  unknown: string[];
  undecided: string[];
}

const OPEN = /[*?]/;

export function linkTrustedRepositories(trusted: string[], orgs: OrganizationListing): RepositoryLink {
  const byOrg = new Map([...orgs.repositories].map(([o, rs]) => [o.toLowerCase(), rs]));
  const linked = new Set<string>();
  const out: RepositoryLink = { linked: [], outside: [], unknown: [], undecided: [] };
  for (const entry of trusted) {
    const slash = entry.indexOf("/");
    const owner = slash < 0 ? entry : entry.slice(0, slash);
    const re = globRegExp(entry);
    if (slash < 0 || OPEN.test(owner) || entry.includes(":")) {
      // Not confined to one owner: it may match audited repositories and anything else on GitHub.
      out.outside.push(entry);
      for (const rs of byOrg.values()) for (const r of rs) if (re.test(r)) linked.add(r);
      continue;
    }
    const key = owner.toLowerCase();
    if (orgs.failed.has(key)) {
      out.undecided.push(entry);
      continue;
    }
    const repos = byOrg.get(key);
    if (!repos) {
      out.outside.push(entry);
      continue;
    }
    const matches = repos.filter((r) => re.test(r));
    if (matches.length === 0) out.unknown.push(entry);
    for (const r of matches) linked.add(r);
  }
  out.linked = [...linked].sort();
  return out;
}

/** IAM StringLike semantics (`*` any run, `?` one character), case-insensitive like GitHub names. */
function globRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "i");
}
