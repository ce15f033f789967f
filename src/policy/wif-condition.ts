/**
 * How tightly a Workload Identity Federation provider's `attributeCondition` (a CEL expression over
 * `assertion.*`, `google.*` and `attribute.*`) pins the CI identities it accepts to a repository. Without a
 * condition, any GitHub Actions workflow of any repository on github.com (or any GitLab.com project) can
 * exchange its token: the pool accepts the whole of GitHub.
 *
 * The analysis is sound in one direction: a claim is *pinned* only when the condition cannot be true unless
 * the claim equals one of the literal values found — `claim == 'v'`, `claim in ['a', 'b']`, or a literal
 * prefix that fixes the owner (`claim.startsWith('org/')`) — reached through `&&` (either side pins) and `||`
 * (both sides must pin the same claim). Anything else (`!=`, a negation, a function of the claim, a
 * comparison with another claim) pins nothing. A claim is read as `assertion.X`, `assertion['X']`, or an
 * attribute the attribute mapping fills with exactly `assertion.X` (`attribute.repo`, `google.subject`).
 *
 * Levels: `repository` (GitHub `repository` / `repository_id`, GitLab `project_path` / `project_id`, or a
 * `sub` / `job_workflow_ref` fixing the repository), `organization` (GitHub `repository_owner` /
 * `repository_owner_id`, GitLab `namespace_path` / `namespace_id`, or a prefix `org/`), `none`.
 */
import { parse } from "@bufbuild/cel";
import { type OidcProviderKind, subjectPin } from "./oidc-trust.js";

export type WifPinLevel = "none" | "organization" | "repository";

export interface WifConditionPin {
  level: WifPinLevel;
  /** The pinned claims, e.g. `repository`, `repository_owner`. */
  claims: string[];
  /** `claim=value` for each pinned value (a prefix ends in `*`). */
  values: string[];
  /** Why nothing is pinned when the condition cannot be read (a CEL syntax error). */
  note: string | null;
}

const REPOSITORY_CLAIMS: Record<OidcProviderKind, string[]> = {
  github: ["repository", "repository_id", "job_workflow_ref"],
  gitlab: ["project_path", "project_id"],
  other: [],
};
const OWNER_CLAIMS: Record<OidcProviderKind, string[]> = {
  github: ["repository_owner", "repository_owner_id"],
  gitlab: ["namespace_path", "namespace_id"],
  other: [],
};

interface Node {
  exprKind: { case: string | undefined; value?: unknown };
}
type Call = { function: string; target?: Node; args: Node[] };
/** claim → accepted values (a value ending in `*` is a literal prefix). */
type Pins = Map<string, Set<string>>;

export function analyseAttributeCondition(
  condition: string | null | undefined,
  mapping: Record<string, string>,
  kind: OidcProviderKind,
): WifConditionPin {
  if (!condition || condition.trim() === "")
    return { level: "none", claims: [], values: [], note: "no attribute condition" };
  let root: Node | undefined;
  try {
    root = (parse(condition) as unknown as { expr?: Node }).expr;
  } catch (e) {
    return {
      level: "none",
      claims: [],
      values: [],
      note: `the condition does not parse: ${(e as Error).message}`,
    };
  }
  const pins = root ? pinsOf(root, mapping) : new Map();
  let level: WifPinLevel = "none";
  const claims: string[] = [];
  const values: string[] = [];
  for (const [claim, vals] of [...pins.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const l = claimLevel(claim, [...vals], kind);
    if (l === "none") continue;
    claims.push(claim);
    for (const v of [...vals].sort()) values.push(`${claim}=${v}`);
    if (l === "repository" || level === "none") level = l;
  }
  return { level, claims, values, note: null };
}

function claimLevel(claim: string, vals: string[], kind: OidcProviderKind): WifPinLevel {
  const levels = vals.map((v): WifPinLevel => {
    const prefix = v.endsWith("*");
    const literal = prefix ? v.slice(0, -1) : v;
    if (claim === "sub") {
      const pin = subjectPin(v, kind, prefix);
      if (pin.level === "repository" || pin.level === "ref" || pin.level === "environment")
        return "repository";
      if (pin.level === "exact") return pin.repository ? "repository" : "none";
      return pin.level === "organization" ? "organization" : "none";
    }
    if (REPOSITORY_CLAIMS[kind].includes(claim)) {
      if (!prefix) return "repository";
      // `repository.startsWith('org/')` fixes the owner only (a prefix without `/` does not even do that).
      return /^[^/]+\//.test(literal) ? "organization" : "none";
    }
    if (OWNER_CLAIMS[kind].includes(claim)) return prefix ? "none" : "organization";
    return "none";
  });
  // Alternatives: the broadest decides.
  if (levels.includes("none")) return "none";
  return levels.includes("organization") ? "organization" : "repository";
}

/** The claims the expression forces to literal values when it is true. */
function pinsOf(node: Node, mapping: Record<string, string>): Pins {
  if (node.exprKind.case !== "callExpr") return new Map();
  const call = node.exprKind.value as Call;
  const [a, b] = call.args;
  switch (call.function) {
    case "_&&_": {
      const out = pinsOf(a!, mapping);
      for (const [claim, vals] of pinsOf(b!, mapping)) {
        const seen = out.get(claim);
        // Both must hold: the claim equals a value of each side; keep the narrower side's values.
        if (!seen || vals.size < seen.size) out.set(claim, vals);
      }
      return out;
    }
    case "_||_": {
      const left = pinsOf(a!, mapping);
      const right = pinsOf(b!, mapping);
      const out: Pins = new Map();
      for (const [claim, vals] of left) {
        const other = right.get(claim);
        if (other) out.set(claim, new Set([...vals, ...other]));
      }
      return out;
    }
    case "_==_": {
      const claim = claimOf(a!, mapping) ?? claimOf(b!, mapping);
      const value = stringConst(a!) ?? stringConst(b!);
      return claim && value ? new Map([[claim, new Set([value])]]) : new Map();
    }
    case "@in": {
      const claim = claimOf(a!, mapping);
      if (!claim || b?.exprKind.case !== "listExpr") return new Map();
      const elements = (b.exprKind.value as { elements: Node[] }).elements.map(stringConst);
      if (elements.length === 0 || elements.some((e) => !e)) return new Map();
      return new Map([[claim, new Set(elements as string[])]]);
    }
    case "startsWith": {
      const claim = call.target ? claimOf(call.target, mapping) : null;
      const value = a ? stringConst(a) : null;
      return claim && value ? new Map([[claim, new Set([`${value}*`])]]) : new Map();
    }
    default:
      return new Map();
  }
}

/** `assertion.X`, `assertion['X']`, or an attribute mapped to exactly `assertion.X`. */
function claimOf(node: Node, mapping: Record<string, string>): string | null {
  const path = pathOf(node);
  if (!path) return null;
  if (path.startsWith("assertion.")) return path.slice("assertion.".length);
  const mapped = mapping[path]?.replace(/\s+/g, "");
  if (mapped) {
    const m =
      /^assertion\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(mapped) ?? /^assertion\[['"]([^'"]+)['"]\]$/.exec(mapped);
    if (m) return m[1]!;
  }
  return null;
}

function pathOf(node: Node): string | null {
  const { case: kind, value } = node.exprKind;
  if (kind === "selectExpr") {
    const v = value as { operand?: Node; field: string; testOnly?: boolean };
    if (v.testOnly || !v.operand) return null;
    const base = pathOf(v.operand);
    return base ? `${base}.${v.field}` : null;
  }
  if (kind === "identExpr") return (value as { name: string }).name;
  if (kind === "callExpr") {
    const call = value as Call;
    if (call.function === "_[_]" && call.args.length === 2) {
      const base = pathOf(call.args[0]!);
      const key = stringConst(call.args[1]!);
      return base && key ? `${base}.${key}` : null;
    }
  }
  return null;
}

function stringConst(node: Node): string | null {
  if (node.exprKind.case !== "constExpr") return null;
  const c = (node.exprKind.value as { constantKind: { case?: string; value?: unknown } }).constantKind;
  return c.case === "stringValue" && typeof c.value === "string" && c.value !== "" ? c.value : null;
}
