/** src/policy/oidc-trust.ts: how subject conditions pin, read the way IAM evaluates them. */
import { describe, expect, it } from "vitest";
import { analyseOidcTrust, subjectPin } from "../../src/policy/oidc-trust.js";

const GH = "token.actions.githubusercontent.com";
const trust = (condition: Record<string, unknown>) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: condition,
    },
  ],
});

describe("subject pins", () => {
  it.each([
    ["repo:org/app:ref:refs/heads/main", false, "ref", "org/app"],
    ["repo:org/app:environment:prod", false, "environment", "org/app"],
    ["repo:org/app:pull_request", false, "repository", "org/app"],
    ["repo:org/app:*", true, "repository", "org/app"],
    ["repo:org/app:ref:refs/heads/*", true, "repository", "org/app"],
    ["repo:org/app:ref:refs/heads/release-*", true, "ref", "org/app"],
    ["repo:org/*", true, "organization", "org/*"],
    ["repo:org/*:ref:refs/heads/main", true, "organization", "org/*"],
    ["repo:*", true, "any", "*"],
    ["*", true, "any", null],
    ["repo:org/app:ref:refs/heads/*", false, "ref", "org/app"],
  ])("%s (wildcards %s) → %s", (subject, wildcards, level, repo) => {
    const p = subjectPin(subject, "github", wildcards);
    expect(p.level).toBe(level);
    expect(p.repository).toBe(repo);
  });

  it("GitLab project paths and refs", () => {
    expect(subjectPin("project_path:grp/sub/proj:ref_type:branch:ref:main", "gitlab", false).level).toBe(
      "ref",
    );
    expect(subjectPin("project_path:grp/*", "gitlab", true).level).toBe("organization");
    expect(subjectPin("project_path:grp/proj:*", "gitlab", true).level).toBe("repository");
  });

  it("IfExists constrains (sub is always present); negated, Null and ForAllValues do not; the strictest block wins", () => {
    const level = (c: Record<string, unknown>) => analyseOidcTrust(trust(c))[0]!.pin_level;
    expect(level({ StringLikeIfExists: { [`${GH}:sub`]: "repo:org/app:ref:refs/heads/main" } })).toBe("ref");
    expect(level({ StringNotEquals: { [`${GH}:sub`]: "repo:evil/x:ref:refs/heads/main" } })).toBe("none");
    expect(level({ Null: { [`${GH}:sub`]: "false" } })).toBe("none");
    expect(level({ "ForAllValues:StringEquals": { [`${GH}:sub`]: "repo:org/app:environment:prod" } })).toBe(
      "none",
    );
    expect(
      level({
        StringLike: { [`${GH}:sub`]: "repo:org/*" },
        StringEquals: { [`${GH}:sub`]: "repo:org/app:environment:prod" },
      }),
    ).toBe("environment");
    // Alternatives: the broadest value decides.
    expect(level({ StringLike: { [`${GH}:sub`]: ["repo:org/app:environment:prod", "repo:org/*"] } })).toBe(
      "organization",
    );
  });

  it("condition keys are case-insensitive and only the provider's own keys count", () => {
    const t = analyseOidcTrust(
      trust({
        StringEquals: {
          "TOKEN.actions.githubusercontent.com:SUB": "repo:o/r:environment:e",
          "other.example:sub": "x",
        },
      }),
    )[0]!;
    expect(t.pin_level).toBe("environment");
    expect(t.trusted_repositories).toEqual(["o/r"]);
  });
});
