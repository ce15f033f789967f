/**
 * Who can use and who can administer a KMS key, through its three access paths: the key policy, grants, and
 * — where the key policy allows the key's own account (`arn:…:iam::<account>:root`) — the IAM policies of
 * that account's users and roles. Pure: documents and grants come in already decoded.
 *
 * Read conservatively (a principal is included when in doubt, never left out): a conditional Allow still
 * counts (reported as conditional); Deny statements of the key policy are not subtracted. IAM policies of
 * another account cannot be read from here, so a foreign account in the key policy is reported as that
 * account (and is an exception wherever foreign principals are). The key's own account in the key policy is
 * not a row of its own: it is expanded into the users and roles whose IAM policies allow the action.
 */
import { allowsAction } from "./admin.js";
import { coversAction, coversResource, hasCondition, statementLabel, statementsOf } from "./statements.js";
import { accountOfPrincipal } from "./trust.js";

/** Using a key: the cryptographic operations, and handing that use to others. */
export const KMS_USE_ACTIONS = ["kms:Sign", "kms:Decrypt", "kms:CreateGrant"] as const;
/** The cryptographic use proper, for segregation of duties (CreateGrant counts as administering). */
export const KMS_CRYPTO_ACTIONS = ["kms:Sign", "kms:Decrypt"] as const;
/** Administering a key: changing who can use it, or destroying / disabling it. */
export const KMS_ADMIN_ACTIONS = [
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:CreateGrant",
] as const;
const TRACKED = [...new Set<string>([...KMS_USE_ACTIONS, ...KMS_ADMIN_ACTIONS])];

export type KeyPrincipalKind = "wildcard" | "account" | "user" | "role" | "service" | "federated" | "other";

export interface KeyGrant {
  grant_id: string;
  grantee: string;
  /** Operations as KMS lists them (`Sign`, `Decrypt`, `CreateGrant`, …). */
  operations: string[];
  /** The grant has encryption-context constraints. */
  constrained: boolean;
}

export interface IdentityPolicies {
  /** User or role ARN in the key's account. */
  arn: string;
  /** Each policy the principal holds, labelled (`attached policy X`, `group G: inline policy Y`). */
  policies: { label: string; document: unknown }[];
}

export interface KeyPrincipalAccess {
  principal: string;
  principal_kind: KeyPrincipalKind;
  /** The principal's account id (`*` for a wildcard, null for services). */
  principal_account: string | null;
  is_wildcard: boolean;
  is_foreign: boolean;
  /** Every tracked action the principal holds on the key, sorted. */
  actions: string[];
  use_actions: string[];
  admin_actions: string[];
  can_use: boolean;
  can_administer: boolean;
  /** Where each grant of access comes from, e.g. `key policy Sid AllowUse [kms:Sign]`. */
  sources: string[];
  /** Every path to the principal is conditional (a condition on the key policy statement, or a constrained grant). */
  conditional: boolean;
}

function kindOf(principal: string, type: string): KeyPrincipalKind {
  if (principal === "*") return "wildcard";
  if (type === "Service") return "service";
  if (type === "Federated") return "federated";
  if (/^\d{12}$/.test(principal) || /:root$/.test(principal)) return "account";
  if (/:user\//.test(principal)) return "user";
  if (/:role\/|:assumed-role\//.test(principal)) return "role";
  return "other";
}

const rootOf = (account: string, partition: string) => `arn:${partition}:iam::${account}:root`;

export function analyseKeyAccess(input: {
  keyArn: string;
  keyAccount: string;
  partition: string;
  keyPolicy: unknown;
  grants: KeyGrant[];
  identities: IdentityPolicies[];
}): KeyPrincipalAccess[] {
  const byPrincipal = new Map<
    string,
    { kind: KeyPrincipalKind; actions: Set<string>; sources: string[]; unconditional: boolean }
  >();
  const add = (
    principal: string,
    kind: KeyPrincipalKind,
    actions: string[],
    source: string,
    conditional: boolean,
  ) => {
    if (actions.length === 0) return;
    let e = byPrincipal.get(principal);
    if (!e) {
      e = { kind, actions: new Set(), sources: [], unconditional: false };
      byPrincipal.set(principal, e);
    }
    for (const a of actions) e.actions.add(a);
    e.sources.push(`${source} [${actions.join(", ")}]${conditional ? " (conditional)" : ""}`);
    e.unconditional ||= !conditional;
  };

  for (const s of statementsOf(input.keyPolicy)) {
    if (s.effect !== "Allow" || !s.principal || !coversResource(s, input.keyArn)) continue;
    const actions = TRACKED.filter((a) => coversAction(s, a));
    if (actions.length === 0) continue;
    const label = `key policy ${statementLabel(s)}`;
    const conditional = hasCondition(s);
    const entries: [string, string][] =
      s.principal === "*"
        ? [["*", "AWS"]]
        : Object.entries(s.principal).flatMap(([type, values]) =>
            values.map((v): [string, string] => [v, type]),
          );
    for (const [value, type] of entries) {
      const kind = kindOf(value, type);
      if (kind === "account" && accountOfPrincipal(value) === input.keyAccount) {
        // The key policy defers to IAM: every user and role of the account whose identity policies allow the
        // action on this key holds it.
        for (const id of input.identities) {
          for (const p of id.policies) {
            const allowed = actions.filter((a) => allowsAction(p.document, a, input.keyArn));
            add(id.arn, kindOf(id.arn, "AWS"), allowed, `${p.label} (IAM, enabled by ${label})`, conditional);
          }
        }
        // The account itself is not a row: it stands for the principals just expanded (and the root user,
        // whose use the root-account controls test).
        continue;
      }
      const principal = kind === "account" ? rootOf(accountOfPrincipal(value), input.partition) : value;
      add(principal, kind, actions, label, conditional);
    }
  }
  for (const g of input.grants) {
    const actions = TRACKED.filter((a) =>
      g.operations.some((op) => `kms:${op}`.toLowerCase() === a.toLowerCase()),
    );
    add(
      g.grantee,
      kindOf(g.grantee, /\.amazonaws\.com$/.test(g.grantee) ? "Service" : "AWS"),
      actions,
      `grant ${g.grant_id}`,
      g.constrained,
    );
  }

  return [...byPrincipal.entries()]
    .map(([principal, e]): KeyPrincipalAccess => {
      const actions = [...e.actions].sort();
      const account = e.kind === "service" || e.kind === "federated" ? null : accountOfPrincipal(principal);
      const use = actions.filter((a) => (KMS_USE_ACTIONS as readonly string[]).includes(a));
      const admin = actions.filter((a) => (KMS_ADMIN_ACTIONS as readonly string[]).includes(a));
      return {
        principal,
        principal_kind: e.kind,
        principal_account: account,
        is_wildcard: e.kind === "wildcard",
        is_foreign: account !== null && account !== "*" && account !== input.keyAccount,
        actions,
        use_actions: use,
        admin_actions: admin,
        can_use: actions.some((a) => (KMS_CRYPTO_ACTIONS as readonly string[]).includes(a)),
        can_administer: admin.length > 0,
        sources: e.sources,
        conditional: !e.unconditional,
      };
    })
    .sort((a, b) => a.principal.localeCompare(b.principal));
}
