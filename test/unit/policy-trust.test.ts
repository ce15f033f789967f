import { describe, expect, it } from "vitest";
import { accountOfPrincipal, analyseTrustPolicy } from "../../src/policy/trust.js";

const OWN = "111122223333";
const trust = (
  principal: unknown,
  condition?: Record<string, unknown>,
  action: unknown = "sts:AssumeRole",
) => ({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: principal, Action: action, ...(condition ? { Condition: condition } : {}) },
  ],
});

describe("role trust policies", () => {
  it("reads account ids from every principal spelling", () => {
    expect(accountOfPrincipal("444455556666")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws:iam::444455556666:root")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws:iam::444455556666:role/x")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws:sts::444455556666:assumed-role/x/y")).toBe("444455556666");
    expect(accountOfPrincipal("*")).toBe("*");
  });

  it("finds principals of other accounts, including * (anyone), but not the own account or services", () => {
    expect(analyseTrustPolicy(trust({ AWS: `arn:aws:iam::${OWN}:root` }), OWN).external).toEqual([]);
    expect(analyseTrustPolicy(trust({ Service: "lambda.amazonaws.com" }), OWN)).toMatchObject({
      external: [],
      services: ["lambda.amazonaws.com"],
    });
    const ext = analyseTrustPolicy(
      trust({ AWS: ["444455556666", `arn:aws:iam::${OWN}:user/a`] }),
      OWN,
    ).external;
    expect(ext).toEqual([
      {
        statement: "statement 1",
        principals: ["444455556666"],
        accounts: ["444455556666"],
        condition_keys: [],
      },
    ]);
    expect(analyseTrustPolicy(trust("*"), OWN).external[0]?.accounts).toEqual(["*"]);
  });

  it("records only condition keys that constrain the caller, in canonical spelling", () => {
    const keys = (c: Record<string, unknown>) =>
      analyseTrustPolicy(trust({ AWS: "arn:aws:iam::444455556666:root" }, c), OWN).external[0]
        ?.condition_keys;
    expect(keys({ StringEquals: { "sts:externalid": "x" } })).toEqual(["sts:ExternalId"]);
    expect(keys({ StringEqualsIfExists: { "sts:ExternalId": "x" } })).toEqual([]);
    expect(keys({ StringNotEquals: { "aws:PrincipalOrgID": "o-1" } })).toEqual([]);
    expect(keys({ Null: { "sts:ExternalId": "false" } })).toEqual([]);
    expect(keys({ Bool: { "aws:MultiFactorAuthPresent": "false" } })).toEqual([]);
    expect(keys({ Bool: { "aws:MultiFactorAuthPresent": "true" } })).toEqual(["aws:MultiFactorAuthPresent"]);
    expect(keys({ "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } })).toEqual([
      "aws:PrincipalOrgPaths",
    ]);
  });

  it("ignores SAML / web-identity statements for cross-account trust but lists the providers", () => {
    const a = analyseTrustPolicy(
      trust({ Federated: `arn:aws:iam::${OWN}:saml-provider/AWSSSO_x` }, undefined, [
        "sts:AssumeRoleWithSAML",
        "sts:TagSession",
      ]),
      OWN,
    );
    expect(a).toMatchObject({ external: [], federated: [`arn:aws:iam::${OWN}:saml-provider/AWSSSO_x`] });
  });
});
