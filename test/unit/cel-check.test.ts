/** The static CEL type checker (src/cel/check.ts) over the environment lint declares. */
import { describe, expect, it } from "vitest";
import { type CheckEnv, checkExpression, literalIterationProduct } from "../../src/cel/check.js";
import { type CelT, formatType, parseType, T } from "../../src/cel/types.js";

const row: CelT = {
  kind: "record",
  name: "row",
  fields: {
    mfa_active: T.bool,
    user: T.string,
    last_used: parseType("timestamp?"),
    groups: T.list(T.string),
  },
};
const env: CheckEnv = {
  variables: new Map<string, CelT>([
    ["mfa_active", T.bool],
    ["user", T.string],
    ["last_used", parseType("timestamp?")],
    ["groups", T.list(T.string)],
    ["tags", T.map(T.string, T.string)],
    ["count", T.double],
    ["policy", parseType("map<string, dyn>?")],
    ["now", T.timestamp],
    ["items", T.list(row)],
    [
      "params",
      { kind: "record", name: "params", fields: { max_age_days: T.double, roles: T.list(T.string) } },
    ],
  ]),
  unknownIdentifier: (name, s) => `"${name}" is unknown${s ? ` (did you mean "${s}"?)` : ""}`,
};

const typeOf = (src: string) => {
  const r = checkExpression(src, env);
  expect(r.problems).toEqual([]);
  return formatType(r.type!);
};
const problemsOf = (src: string) => checkExpression(src, env).problems;

describe("CEL type checker", () => {
  it("types the expressions the catalogue uses", () => {
    expect(typeOf("mfa_active")).toBe("bool");
    expect(typeOf("now - last_used > days(params.max_age_days)")).toBe("bool");
    expect(typeOf("last_used != null && now - last_used <= duration('24h')")).toBe("bool");
    expect(typeOf("groups.exists(g, g.startsWith('adm'))")).toBe("bool");
    expect(typeOf("size(groups) == 0 || user in params.roles")).toBe("bool");
    expect(typeOf("items.exists(i, i.mfa_active && i.user.lowerAscii().contains('x'))")).toBe("bool");
    expect(typeOf("groups.map(g, g.size())")).toBe("list<int>");
    expect(typeOf("groups.filter(g, g != '')")).toBe("list<string>");
    expect(typeOf("tags['env'] == 'prod' && 'env' in tags")).toBe("bool");
    expect(typeOf("count > 0 && count == 1")).toBe("bool");
    expect(typeOf("policy.Statement")).toBe("dyn");
    expect(typeOf("has(policy.Version)")).toBe("bool");
    expect(typeOf("mfa_active ? 'yes' : 'no'")).toBe("string");
    expect(typeOf("[1, 2][0]")).toBe("int");
    expect(typeOf("{'a': 1}")).toBe("map<string, int>");
  });

  it("reports no overload, with the offset of the operator", () => {
    const [p] = problemsOf("1 + 'a' == 2");
    expect(p?.message).toMatch(/^no matching overload for "\+" applied to \(int, string\)/);
    expect([1, 2]).toContain(p?.offset); // the parser places a binary call at the operator (or the blank before it)
    expect(problemsOf("days('sixty')")[0]?.message).toMatch(/"days" applied to \(string\)/);
    expect(problemsOf("user.startsWith(1)")[0]?.message).toMatch(/"startsWith" applied to string\.\(int\)/);
    expect(problemsOf("now - 5")[0]?.message).toMatch(/"-" applied to \(timestamp, int\)/);
  });

  it("reports comparisons that can never hold and operands that are not bool", () => {
    expect(problemsOf("mfa_active == 'true'")[0]?.message).toBe(
      "cannot compare bool with string (== is always false)",
    );
    expect(problemsOf("1 in params.roles")[0]?.message).toMatch(/int can never be in a list<string>/);
    expect(problemsOf("user && mfa_active")[0]?.message).toBe("operand of && is string, not bool");
    expect(problemsOf("mfa_active ? 1 : 'x'")[0]?.message).toMatch(/branches of \?: have different types/);
    expect(problemsOf("groups[0] == 1")[0]?.message).toMatch(/cannot compare string with int/);
    expect(problemsOf("user.exists(c, true)")[0]?.message).toMatch(/cannot iterate over string/);
  });

  it("reports unknown names, fields and params with did-you-mean", () => {
    expect(problemsOf("mfa_activ")[0]?.message).toBe('"mfa_activ" is unknown (did you mean "mfa_active"?)');
    expect(problemsOf("params.max_age_dayz > 1.0")[0]?.message).toBe(
      'params.max_age_dayz is not declared under params (did you mean "max_age_days"?)',
    );
    expect(problemsOf("items.exists(i, i.usr == 'a')")[0]?.message).toBe(
      'i has no field "usr" (did you mean "user"?)',
    );
    expect(problemsOf("user.name")[0]?.message).toBe('cannot select "name" from a string');
    expect(problemsOf("lowerAsci(user)")[0]?.message).toMatch(/unknown function "lowerAsci"/);
  });

  it("reports syntax errors with their offset, and bounds size, depth and nesting", () => {
    const [syntax] = problemsOf("mfa_active &&");
    expect(syntax?.message).toMatch(/^CEL syntax error/);
    expect(syntax?.offset).toBeGreaterThan(0);
    expect(problemsOf(`${"(".repeat(3000)}true${")".repeat(3000)}`)[0]?.message).toMatch(/nested too deeply/);
    expect(problemsOf(`${"[".repeat(200)}${"]".repeat(200)} == []`)[0]?.message).toMatch(
      /nested more than 96 levels/,
    );
    expect(problemsOf(`user == '${"x".repeat(10_001)}'`)[0]?.message).toMatch(/the limit is 10000/);
    expect(
      problemsOf("groups.all(a, groups.all(b, groups.all(c, groups.all(d, a == d))))")[0]?.message,
    ).toMatch(/nested more than 3 deep/);
  });

  it("reports calls on literals that fail for every item", () => {
    expect(problemsOf("int('x') + 1 == 2").map((p) => p.message)).toEqual([
      "always fails: Cannot convert x to a BigInt",
    ]);
    expect(problemsOf("1 / 0 == 1")[0]?.message).toBe("always fails: int divide by zero");
    expect(problemsOf("user.matches('[')")[0]?.message).toMatch(/^always fails: error parsing regexp/);
    expect(problemsOf("timestamp('not a time') < now")[0]?.message).toMatch(
      /^always fails: Failed to parse timestamp/,
    );
    expect(problemsOf("user.matches('^a') && int('5') == 5 && now - duration('24h') < now")).toEqual([]);
  });

  it("estimates the iterations of nested comprehensions over literal lists", () => {
    expect(literalIterationProduct("[1,2,3].all(a, [1,2].exists(b, a == b))")).toBe(6);
    expect(literalIterationProduct("groups.all(a, true)")).toBe(1);
    expect(literalIterationProduct("mfa_active")).toBe(0);
  });
});
