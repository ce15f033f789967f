/**
 * Workload Identity Federation providers of each project (IAM v1 REST: workloadIdentityPools.list, then
 * providers.list per pool, every page), with how their attribute condition pins the CI identities that may
 * exchange a token (src/policy/wif-condition.ts). A pool whose providers cannot be listed is a problem for
 * that pool's providers only.
 */
import { errorMessage } from "../../core/errors.js";
import type { QueryProblem, Row } from "../../core/types.js";
import { providerKind } from "../../policy/oidc-trust.js";
import { analyseAttributeCondition } from "../../policy/wif-condition.js";
import { REST_BASES } from "../../providers/gcp/connection.js";
import { defineGcpQuery, type GcpQueryContext } from "../../providers/gcp/context.js";
import { paginate } from "../../util/paginate.js";

interface Pool {
  name?: string;
  state?: string;
  disabled?: boolean;
}

interface Provider {
  name?: string;
  displayName?: string;
  state?: string;
  disabled?: boolean;
  attributeMapping?: Record<string, string>;
  attributeCondition?: string;
  oidc?: { issuerUri?: string; allowedAudiences?: string[] };
  aws?: { accountId?: string };
  saml?: unknown;
  x509?: unknown;
}

async function pages<T>(
  ctx: GcpQueryContext,
  operation: string,
  path: string,
  itemsField: string,
): Promise<T[]> {
  const all = await paginate(
    (pageToken) =>
      ctx.gcp.calls.rest("IamV1", operation, ctx.gcp.node.unit, {
        base: REST_BASES.IamV1!,
        path,
        query: pageToken ? { pageToken } : {},
      }),
    (page) => (typeof page.nextPageToken === "string" ? page.nextPageToken : ""),
    `IamV1.${operation}`,
  );
  return all.flatMap((p) => (p[itemsField] as T[] | undefined) ?? []);
}

function typeOf(p: Provider): string {
  if (p.oidc) return "oidc";
  if (p.aws) return "aws";
  if (p.saml) return "saml";
  if (p.x509) return "x509";
  return "unknown";
}

export const workloadIdentityProviders = defineGcpQuery({
  id: "gcp.iam.workloadIdentityProviders",
  scope: "project",
  title:
    "Workload Identity Federation providers of each project, with the repository pinning of their attribute condition",
  permissions: ["iam.workloadIdentityPools.list", "iam.workloadIdentityPoolProviders.list"],
  calls: ["IamV1:listWorkloadIdentityPools", "IamV1:listWorkloadIdentityPoolProviders"],
  fields: {
    project: "string: the project id",
    provider: "string: projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER",
    pool: "string: projects/NUMBER/locations/global/workloadIdentityPools/POOL",
    pool_active: "bool: the pool is ACTIVE and not disabled",
    state: "string: ACTIVE | DELETED",
    disabled: "bool: the provider is disabled (no new token exchange)",
    provider_type: "string: oidc | aws | saml | x509",
    issuer_uri: "string?: oidc.issuerUri, e.g. https://token.actions.githubusercontent.com",
    issuer_kind: "string: github | gitlab | other (from the issuer's host)",
    allowed_audiences: "list<string>: oidc.allowedAudiences",
    attribute_mapping: "map<string, string>: Google attribute to CEL over the assertion",
    attribute_condition: "string?: the CEL condition every token must satisfy, null when none",
    pin_level: "string: none | organization | repository (what the condition forces the token to come from)",
    pinned_claims: "list<string>: claims the condition forces to literal values, e.g. repository",
    pinned_values: "list<string>: claim=value for each accepted value (a prefix ends in *)",
    condition_note: "string?: why nothing is pinned when there is no condition or it does not parse",
  },
  async fetch(ctx) {
    const project = ctx.gcp.node.unit;
    const pools = await pages<Pool>(
      ctx,
      "listWorkloadIdentityPools",
      `/v1/projects/${project}/locations/global/workloadIdentityPools`,
      "workloadIdentityPools",
    );
    const rows: Row[] = [];
    const problems: QueryProblem[] = [];
    for (const pool of pools) {
      const poolName = String(pool.name ?? "");
      let providers: Provider[];
      try {
        providers = await pages<Provider>(
          ctx,
          "listWorkloadIdentityPoolProviders",
          `/v1/${poolName}/providers`,
          "workloadIdentityPoolProviders",
        );
      } catch (e) {
        problems.push({
          message: `cannot list the providers of workload identity pool ${poolName}: ${errorMessage(e)}`,
          members: { project, pool: poolName },
        });
        continue;
      }
      for (const p of providers) {
        const issuer = p.oidc?.issuerUri ?? null;
        const kind = issuer ? providerKind(issuer.replace(/^https?:\/\//i, "")) : "other";
        const mapping = { ...(p.attributeMapping ?? {}) };
        const condition = p.attributeCondition?.trim() ? p.attributeCondition : null;
        const pin = analyseAttributeCondition(condition, mapping, kind);
        rows.push({
          project,
          provider: String(p.name ?? ""),
          pool: poolName,
          pool_active: (pool.state ?? "ACTIVE") === "ACTIVE" && pool.disabled !== true,
          state: String(p.state ?? "STATE_UNSPECIFIED"),
          disabled: p.disabled === true,
          provider_type: typeOf(p),
          issuer_uri: issuer,
          issuer_kind: kind,
          allowed_audiences: [...(p.oidc?.allowedAudiences ?? [])],
          attribute_mapping: mapping,
          attribute_condition: condition,
          pin_level: pin.level,
          pinned_claims: pin.claims,
          pinned_values: pin.values,
          condition_note: pin.note,
        });
      }
    }
    rows.sort((a, b) => String(a.provider).localeCompare(String(b.provider)));
    return { rows, problems };
  },
});
