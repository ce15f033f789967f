/**
 * Organization policy constraints as they apply to each project: OrgPolicy v2 getEffectivePolicy, which
 * merges the policies of the project and every ancestor (inheritance, resets and overrides), so a project
 * that opted out of an organization-wide constraint shows up here.
 */
import type { Row } from "../../core/types.js";
import { defineGcpQuery } from "../../providers/gcp/context.js";
import { strings } from "./normalise.js";

interface PolicyRule {
  values?: { allowedValues?: string[]; deniedValues?: string[] } | null;
  allowAll?: boolean;
  denyAll?: boolean;
  enforce?: boolean;
  condition?: { expression?: string } | null;
  kind?: string;
}

export const effectiveOrgPolicies = defineGcpQuery({
  id: "gcp.orgpolicy.effectivePolicies",
  scope: "project",
  title: "The effective organization policy of each named constraint on each project",
  permissions: ["orgpolicy.policy.get"],
  calls: ["OrgPolicyClient:getEffectivePolicy"],
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    required: ["constraints"],
    properties: {
      constraints: { type: "array", minItems: 1, items: { type: "string", pattern: "^[a-zA-Z0-9.]+$" } },
    },
  },
  fields: {
    project: "string: the project id",
    constraint: "string: e.g. iam.allowedPolicyMemberDomains",
    policy_name: "string: projects/NUMBER/policies/CONSTRAINT",
    has_rules: "bool: the effective policy has at least one rule",
    enforced: "bool: (boolean constraints) an unconditional rule enforces it",
    allow_all: "bool: (list constraints) a rule allows every value",
    deny_all: "bool: (list constraints) a rule denies every value",
    allowed_values: "list<string>: (list constraints) allowed values over all rules",
    denied_values: "list<string>: (list constraints) denied values over all rules",
    conditional: "bool: some rule carries a condition (tags)",
  },
  async fetch(ctx, params) {
    const n = ctx.gcp.node;
    const constraints = strings(params.constraints);
    const rows: Row[] = [];
    for (const constraint of constraints) {
      const policy_name = `${n.name}/policies/${constraint}`;
      const p = await ctx.gcp.calls.unary<{ spec?: { rules?: PolicyRule[] } | null }>(
        "OrgPolicyClient",
        "getEffectivePolicy",
        n.unit,
        { name: policy_name },
      );
      const rules = p.spec?.rules ?? [];
      const unconditional = rules.filter((r) => !r.condition?.expression);
      rows.push({
        project: n.unit,
        constraint,
        policy_name,
        has_rules: rules.length > 0,
        enforced: unconditional.some((r) => r.enforce === true),
        allow_all: rules.some((r) => r.allowAll === true),
        deny_all: rules.some((r) => r.denyAll === true),
        allowed_values: rules.flatMap((r) => strings(r.values?.allowedValues)),
        denied_values: rules.flatMap((r) => strings(r.values?.deniedValues)),
        conditional: rules.length !== unconditional.length,
      });
    }
    return rows;
  },
});
