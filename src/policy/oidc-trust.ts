/**
 * Roles a CI system assumes with an OIDC token (GitHub Actions, GitLab CI): which subjects (`sub` claims)
 * a trust policy lets in, and how tightly they are pinned. Pure functions over decoded trust policies.
 *
 * A statement trusts an OIDC provider when it Allows sts:AssumeRoleWithWebIdentity to a `Federated`
 * principal `arn:<partition>:iam::<account>:oidc-provider/<issuer>`. Its condition keys are
 * `<issuer>:sub` and `<issuer>:aud` (issuer = the provider URL without `https://`, compared
 * case-insensitively). How the real condition forms read:
 * - `StringEquals` / `StringEqualsIgnoreCase` (and `ForAnyValue:` of them): the values are literal subjects;
 *   a `*` in them is a character, not a wildcard.
 * - `StringLike` (and `ForAnyValue:StringLike`): `*` and `?` are wildcards; `repo:org/*` lets in every
 *   repository of the organization, and every branch of each.
 * - `…IfExists`: the web-identity `sub` is always present, so it constrains like the operator without it.
 * - `StringNotEquals`, `StringNotLike` (every negated form), `Null` and `ForAllValues:` (true when the key is
 *   absent, and vacuous for a single-valued key) do not pin anything.
 * Several values in one block are alternatives (the broadest decides); several blocks on `sub` must all
 * hold, so the most specific block decides. No constraining block at all is `none`.
 *
 * Pin levels, broadest first: `none` (no condition on sub), `any` (a wildcard before the organization /
 * group is fixed), `organization` (org fixed, repository open), `repository` (repository fixed, any ref —
 * includes `repo:o/r:*` and `repo:o/r:pull_request`), then `ref` (a branch or tag, or a literal prefix of
 * one), `environment` (a GitHub deployment environment) and `exact` (a literal subject of another form).
 */
import { coversAction, type Statement, statementsOf } from "./statements.js";

export type PinLevel = "none" | "any" | "organization" | "repository" | "ref" | "environment" | "exact";
const RANK: Record<PinLevel, number> = {
  none: 0,
  any: 1,
  organization: 2,
  repository: 3,
  ref: 4,
  environment: 4,
  exact: 4,
};

export type OidcProviderKind = "github" | "gitlab" | "other";

export interface SubjectPin {
  /** The subject pattern as written. */
  subject: string;
  level: PinLevel;
  /** `org/repo` (GitHub) or `group/project` (GitLab) when fixed, the literal prefix with `*` otherwise. */
  repository: string | null;
  /** `refs/heads/main`, `environment:prod`, `pull_request`, … when fixed. */
  ref: string | null;
}

export interface OidcTrust {
  /** `Sid X` or `statement N`. */
  statement: string;
  provider_arn: string;
  issuer: string;
  provider_kind: OidcProviderKind;
  /** The `sub` conditions as written, e.g. `StringLike token.actions.githubusercontent.com:sub [repo:o/*]`. */
  subject_conditions: string[];
  /** The subjects of the deciding block (empty when none). */
  subjects: SubjectPin[];
  pin_level: PinLevel;
  pins_repository: boolean;
  pins_ref_or_environment: boolean;
  /** Repositories (or patterns) the statement lets in, e.g. `octo-org/deploy`, `octo-org/*`. */
  trusted_repositories: string[];
  /** `aud` values a constraining condition requires (empty: any audience). */
  audiences: string[];
}

export function providerKind(issuer: string): OidcProviderKind {
  const host = issuer.toLowerCase().split("/")[0]!;
  if (host === "token.actions.githubusercontent.com") return "github";
  if (host === "gitlab.com" || host.startsWith("gitlab.")) return "gitlab";
  return "other";
}

const OIDC_PROVIDER = /^arn:[^:]+:iam::(\d{12}):oidc-provider\/(.+)$/;

/** The issuer of an OIDC provider ARN, or null when the principal is not an IAM OIDC provider. */
export function issuerOf(federated: string): string | null {
  const m = OIDC_PROVIDER.exec(federated);
  return m ? m[2]! : null;
}

const WILDCARD = /[*?]/;

/** How a GitHub (`repo:o/r:…`) or GitLab (`project_path:g/p:…`) subject pins, as a pattern or a literal. */
export function subjectPin(subject: string, kind: OidcProviderKind, wildcards: boolean): SubjectPin {
  const first = wildcards ? subject.search(WILDCARD) : -1;
  const literal = first < 0 ? subject : subject.slice(0, first);
  const open = first >= 0;
  const prefix = kind === "github" ? "repo:" : kind === "gitlab" ? "project_path:" : null;
  if (!prefix) {
    if (!open) return { subject, level: "exact", repository: null, ref: null };
    return { subject, level: first === 0 ? "any" : "organization", repository: null, ref: null };
  }
  if (!literal.startsWith(prefix)) {
    // `*`, or a custom claim template (GitHub's `repository_owner:…`, `job_workflow_ref:…`): literal ones pin
    // exactly, a pattern that does not fix the repository first is read as open.
    if (!open && !subject.startsWith(prefix)) return { subject, level: "exact", repository: null, ref: null };
    return { subject, level: "any", repository: null, ref: null };
  }
  const rest = literal.slice(prefix.length);
  const colon = rest.indexOf(":");
  const slash = rest.indexOf("/");
  if (colon < 0) {
    // The wildcard (or the end) falls inside `org/repo`: `repo:org/*` fixes the organization only.
    if (!open) return { subject, level: "repository", repository: rest, ref: null };
    return { subject, level: slash < 0 ? "any" : "organization", repository: `${rest}*`, ref: null };
  }
  const repository = rest.slice(0, colon);
  if (slash < 0 || slash > colon) return { subject, level: "any", repository, ref: null };
  const tail = rest.slice(colon + 1);
  if (kind === "github") {
    for (const [start, level] of [
      ["ref:refs/heads/", "ref"],
      ["ref:refs/tags/", "ref"],
      ["environment:", "environment"],
    ] as const) {
      if (tail.startsWith(start) && tail.length > start.length) {
        const ref = start === "environment:" ? tail : tail.slice(4);
        return { subject, level, repository, ref: open ? `${ref}*` : ref };
      }
    }
    if (!open && tail === "pull_request") return { subject, level: "repository", repository, ref: tail };
    if (!open) return { subject, level: "exact", repository, ref: tail };
    return { subject, level: "repository", repository, ref: null };
  }
  // GitLab: project_path:g/p:ref_type:branch:ref:main
  const m = /^ref_type:(branch|tag):ref:(.+)$/.exec(tail);
  if (m) return { subject, level: "ref", repository, ref: open ? `${m[2]}*` : m[2]! };
  if (!open) return { subject, level: "exact", repository, ref: tail };
  return { subject, level: "repository", repository, ref: null };
}

interface Block {
  op: string;
  values: string[];
  wildcards: boolean;
  constrains: boolean;
}

function blocksFor(s: Statement, key: string): Block[] {
  const out: Block[] = [];
  for (const [op, block] of Object.entries(s.condition)) {
    for (const [k, values] of Object.entries(block)) {
      if (k.toLowerCase() !== key.toLowerCase()) continue;
      const set = /^ForAllValues:/i.test(op) ? "all" : "any";
      const bare = op.replace(/^(ForAnyValue|ForAllValues):/i, "").replace(/IfExists$/, "");
      const positive = /^(StringEquals|StringEqualsIgnoreCase|StringLike)$/.test(bare);
      out.push({ op, values, wildcards: bare === "StringLike", constrains: positive && set === "any" });
    }
  }
  return out;
}

/** Every statement of a trust policy that lets an OIDC provider's tokens assume the role. */
export function analyseOidcTrust(doc: unknown): OidcTrust[] {
  const out: OidcTrust[] = [];
  for (const s of statementsOf(doc)) {
    if (s.effect !== "Allow" || !s.principal || s.principal === "*") continue;
    if (!coversAction(s, "sts:AssumeRoleWithWebIdentity")) continue;
    for (const federated of s.principal.Federated ?? []) {
      const issuer = issuerOf(federated);
      if (!issuer) continue;
      const kind = providerKind(issuer);
      const subBlocks = blocksFor(s, `${issuer}:sub`);
      let best: { level: PinLevel; pins: SubjectPin[] } = { level: "none", pins: [] };
      for (const b of subBlocks.filter((x) => x.constrains)) {
        const pins = b.values.map((v) => subjectPin(v, kind, b.wildcards));
        // Alternatives: the broadest value decides (the first of equal rank names the level).
        const level = pins.reduce<PinLevel>(
          (lo, p) => (RANK[p.level] < RANK[lo] ? p.level : lo),
          pins[0]?.level ?? "none",
        );
        if (RANK[level] > RANK[best.level] || best.pins.length === 0) best = { level, pins };
      }
      const audiences = blocksFor(s, `${issuer}:aud`)
        .filter((b) => b.constrains)
        .flatMap((b) => b.values);
      out.push({
        statement: s.sid ? `Sid ${s.sid}` : `statement ${s.index + 1}`,
        provider_arn: federated,
        issuer,
        provider_kind: kind,
        subject_conditions: subBlocks.map((b) => `${b.op} ${issuer}:sub [${b.values.join(", ")}]`),
        subjects: best.pins,
        pin_level: best.level,
        pins_repository: RANK[best.level] >= RANK.repository,
        pins_ref_or_environment: RANK[best.level] >= RANK.ref,
        trusted_repositories: [
          ...new Set(best.pins.map((p) => p.repository ?? (p.level === "exact" ? p.subject : "*"))),
        ].sort(),
        audiences: [...new Set(audiences)].sort(),
      });
    }
  }
  return out;
}
