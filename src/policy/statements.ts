/**
 * IAM policy documents as data: statements normalised to lists, and the wildcard matching IAM uses for
 * actions and resources. Pure functions, no AWS SDK types (policy documents are plain JSON).
 *
 * Matching follows IAM: action names are case-insensitive, `*` matches any run of characters and `?` one
 * character, in both actions (`iam:Put*`) and resource ARNs (`arn:aws:iam::*:role/*`).
 */

export type Effect = "Allow" | "Deny";

export interface Statement {
  sid: string | null;
  effect: Effect;
  /** `Action` values, or null when the statement uses `NotAction`. */
  actions: string[] | null;
  /** `NotAction` values, or null when the statement uses `Action`. */
  notActions: string[] | null;
  /** `Resource` values, or null when the statement uses `NotResource` (trust policies have neither: []). */
  resources: string[] | null;
  notResources: string[] | null;
  /** `Principal` (trust and resource policies): `*` or a map of principal type to values. */
  principal: "*" | Record<string, string[]> | null;
  /** `Condition` block as written: operator → key → values. */
  condition: Record<string, Record<string, string[]>>;
  /** Position of the statement in the document (0-based), for messages when it has no Sid. */
  index: number;
}

export class PolicyDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentError";
  }
}

const asList = (v: unknown, what: string): string[] => {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw new PolicyDocumentError(`${what} must be a string or a list of strings, got ${JSON.stringify(v)}`);
};

/**
 * The statements of a decoded policy document. Throws PolicyDocumentError for a document that is not a
 * policy (no Statement, an Effect other than Allow/Deny): a control must not silently skip what it cannot read.
 */
export function statementsOf(doc: unknown): Statement[] {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new PolicyDocumentError("policy document is not a JSON object");
  }
  const raw = (doc as Record<string, unknown>).Statement;
  if (raw === undefined) throw new PolicyDocumentError("policy document has no Statement");
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((s, index) => {
    if (!s || typeof s !== "object") throw new PolicyDocumentError(`statement ${index} is not an object`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== "Allow" && st.Effect !== "Deny") {
      throw new PolicyDocumentError(`statement ${index} has Effect ${JSON.stringify(st.Effect)}`);
    }
    const hasAction = "Action" in st;
    const hasNotAction = "NotAction" in st;
    if (hasAction === hasNotAction) {
      throw new PolicyDocumentError(`statement ${index} must have exactly one of Action and NotAction`);
    }
    const hasNotResource = "NotResource" in st;
    return {
      sid: typeof st.Sid === "string" ? st.Sid : null,
      effect: st.Effect,
      actions: hasAction ? asList(st.Action, "Action") : null,
      notActions: hasNotAction ? asList(st.NotAction, "NotAction") : null,
      resources: hasNotResource ? null : asList(st.Resource, "Resource"),
      notResources: hasNotResource ? asList(st.NotResource, "NotResource") : null,
      principal: principalOf(st.Principal),
      condition: conditionOf(st.Condition, index),
      index,
    };
  });
}

function principalOf(p: unknown): Statement["principal"] {
  if (p === undefined || p === null) return null;
  if (p === "*") return "*";
  if (typeof p !== "object" || Array.isArray(p)) {
    throw new PolicyDocumentError(`Principal must be "*" or an object, got ${JSON.stringify(p)}`);
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p)) out[k] = asList(v, `Principal.${k}`);
  return out;
}

function conditionOf(c: unknown, index: number): Statement["condition"] {
  if (c === undefined || c === null) return {};
  if (typeof c !== "object" || Array.isArray(c)) {
    throw new PolicyDocumentError(`statement ${index}: Condition must be an object`);
  }
  const out: Statement["condition"] = {};
  for (const [op, block] of Object.entries(c)) {
    if (!block || typeof block !== "object" || Array.isArray(block)) {
      throw new PolicyDocumentError(`statement ${index}: Condition.${op} must be an object`);
    }
    out[op] = {};
    for (const [key, v] of Object.entries(block)) {
      const values = Array.isArray(v) ? v : [v];
      out[op]![key] = values.map((x) => String(x));
    }
  }
  return out;
}

/** A short name for a statement in messages: its Sid, or its position. */
export function statementLabel(s: Statement): string {
  return s.sid ? `Sid ${s.sid}` : `statement ${s.index + 1}`;
}

const globCache = new Map<string, RegExp>();

/** IAM wildcard match (`*`, `?`), case-insensitive (right for actions; ARNs in this tool are compared the same way). */
export function wildcardMatch(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "i");
    globCache.set(pattern, re);
  }
  return re.test(value);
}

/** Does the statement's Action / NotAction cover `action` (e.g. `iam:CreateUser`)? */
export function coversAction(s: Statement, action: string): boolean {
  if (s.actions) return s.actions.some((p) => wildcardMatch(p, action));
  return !(s.notActions ?? []).some((p) => wildcardMatch(p, action));
}

/** Does the statement's Action list literally grant every action (`*` or `*:*`)? */
export function actionIsEverything(s: Statement): boolean {
  return (s.actions ?? []).some((a) => a === "*" || a === "*:*");
}

/**
 * A resource pattern that matches every resource: `*`, `arn:*`, `arn:aws:*:*:*:*` and the like (only `arn`,
 * a partition and `*` segments).
 */
export function isWildcardResource(r: string): boolean {
  return r === "*" || /^arn(:(\*|aws[a-z-]*))?(:\*)*$/.test(r);
}

/**
 * Does the statement apply to all resources? `Resource` containing a wildcard resource, or — read
 * conservatively — any `NotResource` that does not itself exclude everything (the statement then applies to
 * all but a few named resources, which for an access review is as good as all).
 */
export function appliesToAllResources(s: Statement): boolean {
  if (s.resources) return s.resources.some(isWildcardResource);
  return !(s.notResources ?? []).some(isWildcardResource);
}

/** Does the statement's Resource / NotResource cover the given ARN? */
export function coversResource(s: Statement, arn: string): boolean {
  if (s.resources) return s.resources.some((p) => wildcardMatch(p, arn));
  return !(s.notResources ?? []).some((p) => wildcardMatch(p, arn));
}

export const hasCondition = (s: Statement): boolean => Object.keys(s.condition).length > 0;
