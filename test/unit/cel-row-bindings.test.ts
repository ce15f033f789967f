/**
 * CelBindings.ofRow binds a row lazily (fields converted when read, `item` only if read, the shared bindings
 * pre-converted once): every expression must evaluate exactly as over the plain spread
 * `{ ...row, item: row, ...rest, ...extra }` — the same values, the same precedence, the same errors.
 */
import { describe, expect, it } from "vitest";
import { CelBindings, compileExpression } from "../../src/cel/expression.js";

const row = {
  event_id: "e-1",
  time: new Date("2026-11-01T10:00:00Z"),
  account: "111122223333",
  region: "eu-west-1",
  read_only: false,
  error_code: null,
  missing: undefined,
  human: true,
  role_name: "deploy",
  now: "a row field shadowed by the shared `now`",
  request_parameters: { groupId: "sg-1", ipPermissions: { items: [{ fromPort: 443, at: new Date(0) }] } },
  resources: [{ type: "AWS::EC2::SecurityGroup", name: "sg-1" }],
  count: 3,
};
const rest = {
  params: { production_accounts: ["111122223333"], human_roles: ["admin"], nested: { list: [1, 2] } },
  now: new Date("2026-12-01T00:00:00Z"),
  period: { start: new Date("2026-09-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") },
};
const extra = { account: "999988887777", region: "us-east-1" };

const EXPRESSIONS = [
  "account in params.production_accounts && !read_only && error_code == null",
  "account",
  "region",
  "item.account",
  "item.region",
  "item",
  "now",
  "item.now",
  "time < now && time > period.start",
  "missing == null",
  "item.missing",
  "has(item.missing)",
  "has(item.event_id)",
  "!(human || (role_name != null && role_name in params.human_roles))",
  "request_parameters.ipPermissions.items[0].fromPort == 443",
  "request_parameters.ipPermissions.items[0].at",
  "resources.map(r, r.name)",
  "resources.exists(r, r.type.startsWith('AWS::EC2'))",
  "params",
  "params.nested.list.size() == 2",
  "count + 1",
  "no_such_field",
  "toString",
  "params.no_such_key",
  "item.no_such_key",
];

function outcome(source: string, bindings: Record<string, unknown> | CelBindings): unknown {
  try {
    return { value: compileExpression(source).evaluate(bindings) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("CelBindings.ofRow", () => {
  it("evaluates every expression as the plain spread does", () => {
    const base = CelBindings.of(rest);
    const plain = { ...row, item: row, ...rest, ...extra };
    for (const source of EXPRESSIONS)
      expect(outcome(source, CelBindings.ofRow(row, base, extra)), source).toEqual(outcome(source, plain));
  });

  it("binds what the spread binds (a sample of the outcomes)", () => {
    const cel = CelBindings.ofRow(row, CelBindings.of(rest), extra);
    expect(outcome("account", cel)).toEqual({ value: "999988887777" });
    expect(outcome("item.account", cel)).toEqual({ value: "111122223333" });
    expect(outcome("now == timestamp('2026-12-01T00:00:00Z')", cel)).toEqual({ value: true });
    expect(outcome("missing == null", cel)).toEqual({ value: true });
    expect(outcome("no_such_field", cel)).toHaveProperty("error");
  });

  it("shares the converted shared bindings between rows without changing them", () => {
    const base = CelBindings.of(rest);
    const e = compileExpression("account in params.production_accounts");
    expect(e.test(CelBindings.ofRow({ account: "111122223333" }, base, {}))).toBe(true);
    expect(e.test(CelBindings.ofRow({ account: "000000000000" }, base, {}))).toBe(false);
    expect(compileExpression("params").evaluate(base)).toEqual(rest.params);
  });
});
