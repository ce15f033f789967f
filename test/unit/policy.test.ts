import { describe, expect, it } from "vitest";
import { allowsAction, analysePolicy, isAdminStatement } from "../../src/policy/admin.js";
import { evaluatePrincipal, type GrantedPolicy } from "../../src/policy/principal.js";
import { PolicyDocumentError, statementsOf, wildcardMatch } from "../../src/policy/statements.js";

const doc = (...Statement: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement });
const allow = (extra: Record<string, unknown>) => ({ Effect: "Allow", ...extra });

describe("policy statements", () => {
  it("accepts a single Statement object and string or list values", () => {
    const s = statementsOf({
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
    });
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      effect: "Allow",
      actions: ["s3:GetObject"],
      resources: ["*"],
      notActions: null,
    });
  });

  it("rejects what is not a policy (fail closed)", () => {
    expect(() => statementsOf({ Version: "2012-10-17" })).toThrow(PolicyDocumentError);
    expect(() => statementsOf(doc({ Effect: "Maybe", Action: "*", Resource: "*" }))).toThrow(/Effect/);
    expect(() =>
      statementsOf(doc({ Effect: "Allow", Action: "*", NotAction: "s3:*", Resource: "*" })),
    ).toThrow(/exactly one of Action and NotAction/);
    expect(() => statementsOf(doc({ Effect: "Allow", Action: 42, Resource: "*" }))).toThrow(/Action must be/);
    expect(() => statementsOf("not a document")).toThrow(PolicyDocumentError);
  });

  it("matches IAM wildcards case-insensitively", () => {
    expect(wildcardMatch("iam:Put*", "iam:PutUserPolicy")).toBe(true);
    expect(wildcardMatch("IAM:putuserpolicy", "iam:PutUserPolicy")).toBe(true);
    expect(wildcardMatch("iam:?etUser", "iam:GetUser")).toBe(true);
    expect(wildcardMatch("iam:Get*", "iam:PutUserPolicy")).toBe(false);
    expect(wildcardMatch("s3.*", "s3:x")).toBe(false);
  });
});

describe("administrator policies", () => {
  const admin = (d: unknown) => analysePolicy(d).isAdmin;

  it("Allow * on * in every spelling is administrator", () => {
    expect(admin(doc(allow({ Action: "*", Resource: "*" })))).toBe(true);
    expect(admin(doc(allow({ Action: ["*"], Resource: ["*"] })))).toBe(true);
    expect(admin(doc(allow({ Action: "*:*", Resource: "*" })))).toBe(true);
    expect(admin(doc(allow({ Action: ["s3:GetObject", "*"], Resource: ["arn:aws:s3:::b", "*"] })))).toBe(
      true,
    );
    expect(admin(doc(allow({ Action: "*", Resource: "arn:aws:*:*:*:*" })))).toBe(true);
    expect(admin({ Version: "2012-10-17", Statement: allow({ Action: "*", Resource: "*" }) })).toBe(true);
  });

  it("NotAction forms that leave IAM escalation open are administrator; PowerUserAccess is not", () => {
    expect(admin(doc(allow({ NotAction: [], Resource: "*" })))).toBe(true);
    expect(admin(doc(allow({ NotAction: "s3:*", Resource: "*" })))).toBe(true);
    expect(admin(doc(allow({ NotAction: ["iam:CreateUser"], Resource: "*" })))).toBe(true);
    expect(admin(doc(allow({ NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" })))).toBe(
      false,
    );
  });

  it("wildcard actions on specific resources, or service wildcards, are not administrator", () => {
    expect(admin(doc(allow({ Action: "*", Resource: "arn:aws:s3:::bucket/*" })))).toBe(false);
    expect(admin(doc(allow({ Action: "s3:*", Resource: "*" })))).toBe(false);
    expect(admin(doc(allow({ Action: "iam:*", Resource: "*" })))).toBe(false);
  });

  it("NotResource is read conservatively as all resources; conditions are reported, not subtracted", () => {
    expect(admin(doc(allow({ Action: "*", NotResource: "arn:aws:s3:::secret/*" })))).toBe(true);
    expect(admin(doc(allow({ Action: "*", NotResource: "*" })))).toBe(false);
    const a = analysePolicy(
      doc(
        allow({
          Sid: "MfaAdmin",
          Action: "*",
          Resource: "*",
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
        }),
      ),
    );
    expect(a.isAdmin).toBe(true);
    expect(a.adminStatements).toEqual(["Sid MfaAdmin (conditional)"]);
  });

  it("only an unconditional Deny of everything removes administrator; narrower denies are listed", () => {
    expect(
      admin(doc(allow({ Action: "*", Resource: "*" }), { Effect: "Deny", Action: "*", Resource: "*" })),
    ).toBe(false);
    expect(
      admin(doc(allow({ Action: "*", Resource: "*" }), { Effect: "Deny", NotAction: [], Resource: "*" })),
    ).toBe(false);
    const narrow = analysePolicy(
      doc(allow({ Action: "*", Resource: "*" }), {
        Sid: "NoS3",
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
      }),
    );
    expect(narrow.isAdmin).toBe(true);
    expect(narrow.otherDenies).toEqual(["Sid NoS3"]);
    const conditional = analysePolicy(
      doc(allow({ Action: "*", Resource: "*" }), {
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
      }),
    );
    expect(conditional.isAdmin).toBe(true);
    expect(conditional.deniesEverything).toBe(false);
  });

  it("isAdminStatement ignores Deny statements", () => {
    const [s] = statementsOf(doc({ Effect: "Deny", Action: "*", Resource: "*" }));
    expect(isAdminStatement(s!)).toBe(false);
  });
});

describe("can change IAM", () => {
  const grants = (d: unknown) => analysePolicy(d).iamWriteGrants;

  it("counts IAM write actions on broad resources, as written", () => {
    expect(grants(doc(allow({ Action: "iam:*", Resource: "*" })))).toEqual(["iam:*"]);
    expect(grants(doc(allow({ Action: ["iam:Attach*", "s3:GetObject"], Resource: "*" })))).toEqual([
      "iam:Attach*",
    ]);
    expect(
      grants(doc(allow({ Action: "iam:CreateRole", Resource: "arn:aws:iam::111122223333:role/*" }))),
    ).toEqual(["iam:CreateRole"]);
    expect(grants(doc(allow({ NotAction: "s3:*", Resource: "*" })))).toEqual(["NotAction [s3:*]"]);
    expect(grants(doc(allow({ Action: "*", Resource: "*" })))).toEqual(["*"]);
  });

  it("does not count reads, PassRole, self-service or single-resource grants", () => {
    expect(grants(doc(allow({ Action: ["iam:Get*", "iam:List*", "iam:PassRole"], Resource: "*" })))).toEqual(
      [],
    );
    expect(
      grants(
        doc(
          allow({
            Action: ["iam:CreateAccessKey", "iam:DeactivateMFADevice"],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template
            Resource: "arn:aws:iam::*:user/${aws:username}",
          }),
        ),
      ),
    ).toEqual([]);
    expect(
      grants(doc(allow({ Action: "iam:PutRolePolicy", Resource: "arn:aws:iam::111122223333:role/app" }))),
    ).toEqual([]);
    expect(grants(doc(allow({ NotAction: ["iam:*"], Resource: "*" })))).toEqual([]);
  });

  it("an unconditional Deny of every IAM write removes it but leaves administrator", () => {
    const a = analysePolicy(
      doc(allow({ Action: "*", Resource: "*" }), { Effect: "Deny", Action: "iam:*", Resource: "*" }),
    );
    expect(a.isAdmin).toBe(true);
    expect(a.canWriteIam).toBe(false);
    const partial = analysePolicy(
      doc(allow({ Action: "*", Resource: "*" }), { Effect: "Deny", Action: "iam:CreateUser", Resource: "*" }),
    );
    expect(partial.canWriteIam).toBe(true);
  });

  it("allowsAction matches action and resource patterns", () => {
    const d = doc(allow({ Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/ops-*" }));
    expect(allowsAction(d, "sts:AssumeRole", "arn:aws:iam::111122223333:role/ops-admin")).toBe(true);
    expect(allowsAction(d, "sts:AssumeRole", "arn:aws:iam::111122223333:role/finance")).toBe(false);
    expect(allowsAction(doc(allow({ NotAction: "s3:*", Resource: "*" })), "sts:AssumeRole", "arn:x")).toBe(
      true,
    );
  });
});

describe("principal paths", () => {
  const p = (
    via: GrantedPolicy["via"],
    name: string,
    document: unknown,
    arn: string | null = null,
  ): GrantedPolicy => ({
    via,
    name,
    arn,
    document,
  });
  const ADMIN = doc(allow({ Action: "*", Resource: "*" }));

  it("names the path of each administrator grant", () => {
    const r = evaluatePrincipal([
      p(
        { kind: "group-attached", group: "Admins" },
        "AdministratorAccess",
        ADMIN,
        "arn:aws:iam::aws:policy/AdministratorAccess",
      ),
      p({ kind: "inline" }, "extra", doc(allow({ NotAction: "s3:*", Resource: "*" }))),
      p(
        { kind: "attached" },
        "ReadOnly",
        doc(allow({ Action: "s3:Get*", Resource: "*" })),
        "arn:aws:iam::aws:policy/R",
      ),
    ]);
    expect(r.is_admin).toBe(true);
    expect(r.admin_paths).toEqual([
      "group Admins: attached policy AdministratorAccess [statement 1]",
      "inline policy extra [statement 1 (NotAction [s3:*])]",
    ]);
    expect(r.policies.map((x) => [x.via, x.is_admin])).toEqual([
      ["group Admins (attached)", true],
      ["inline", true],
      ["attached", false],
    ]);
  });

  it("a Deny of everything in any of the principal's policies removes administrator and IAM write", () => {
    const r = evaluatePrincipal([
      p({ kind: "attached" }, "AdministratorAccess", ADMIN, "arn:aws:iam::aws:policy/AdministratorAccess"),
      p(
        { kind: "group-inline", group: "Quarantine" },
        "deny-all",
        doc({ Effect: "Deny", Action: "*", Resource: "*" }),
      ),
    ]);
    expect(r).toMatchObject({ is_admin: false, admin_paths: [], can_write_iam: false, iam_write_paths: [] });
  });

  it("a malformed document fails (never silently non-admin)", () => {
    expect(() => evaluatePrincipal([p({ kind: "inline" }, "broken", { Version: "2012-10-17" })])).toThrow(
      PolicyDocumentError,
    );
  });
});
