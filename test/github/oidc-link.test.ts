/**
 * The AWS OIDC trust → GitHub repositories link (aws.iam.oidcTrustRepositories, control
 * access.aws-iam-oidc-trust-audited-repositories): the AWS demo account's recorded trusts, with GitHub in the
 * same run — the local GitHub stand-in through the real Octokit client, or the GitHub demo recording — and
 * without it. The demo account's GitHub trusts: `repo:acme-exchange/platform:environment:production`,
 * `repo:acme-exchange/*`, `repo:acme-exchange/matching-engine:*` (GitLab's is not a GitHub trust).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModel, type GitHubOrgModel } from "../../fixtures/github/demo-src/model.js";
import type { FakeGitHub } from "../../fixtures/lib/github-server.js";
import { githubRuntimeFrom } from "../../src/cli/options/github.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import { linkTrustedRepositories } from "../../src/policy/oidc-link.js";
import { GitHubRuntime } from "../../src/providers/github/runtime.js";
import { byId, flagged, startServer, TEST_TOKEN } from "./support.js";

const LINK = "access.aws-iam-oidc-trust-audited-repositories";
const TRUST = (role: string) => `${role} statement 1 token.actions.githubusercontent.com`;
const AWS_DEMO = "fixtures/aws/demo";

let server: FakeGitHub;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** The demo organization, the one the AWS demo account trusts, served live by the local server. */
function acmeExchange(): GitHubOrgModel {
  return demoModel();
}

/** The AWS demo recording (replayed) with a live GitHub organization in the same run. */
function bothProviders(
  org: string,
  controls = [LINK, "access.github-org-2fa-required"],
): Promise<RunOutcome> {
  return executeRun({
    filter: { control: controls },
    replayDir: AWS_DEMO,
    runtimeFactories: {
      github: ({ recorder, allowedOperations }) =>
        new GitHubRuntime({
          recorder,
          orgs: [org],
          apiUrl: server.url,
          credentials: { kind: "token", token: TEST_TOKEN, source: "GITHUB_TOKEN" },
          allowedOperations,
        }),
    },
  });
}

describe("linking trusted repositories (pure)", () => {
  const orgs = {
    repositories: new Map([["Acme", ["acme/api", "acme/deploy-prod", "acme/deploy-dev"]]]),
    failed: new Set(["broken"]),
  };
  it("links exact names and patterns, flags other owners, open owners and names that match nothing", () => {
    expect(
      linkTrustedRepositories(["acme/API", "acme/deploy-*", "acme/gone", "other/x", "*", "broken/y"], orgs),
    ).toEqual({
      linked: ["acme/api", "acme/deploy-dev", "acme/deploy-prod"],
      outside: ["other/x", "*"],
      unknown: ["acme/gone"],
      undecided: ["broken/y"],
    });
    expect(linkTrustedRepositories(["repository_owner:acme"], orgs).outside).toEqual([
      "repository_owner:acme",
    ]);
    expect(linkTrustedRepositories(["acme/*"], orgs)).toEqual({
      linked: ["acme/api", "acme/deploy-dev", "acme/deploy-prod"],
      outside: [],
      unknown: [],
      undecided: [],
    });
  });
});

describe("AWS OIDC trusts linked to the GitHub repositories of the same run", () => {
  it("both providers: each trust names the repositories it lets in; a trust to a repository that does not exist is the exception", async () => {
    server.configure({ token: TEST_TOKEN }, acmeExchange());
    const out = await bothProviders("acme-exchange");
    const link = byId(out)[LINK]!;
    expect(link.status).toBe("fail");
    expect(flagged(link)).toEqual([TRUST("github-ecr-push-matching-engine")]);
    const items = Object.fromEntries(link.items.map((i) => [String(i.trust_id), i]));
    expect(Object.keys(items).sort()).toEqual(
      [
        TRUST("github-deploy-production"),
        TRUST("github-ecr-push-matching-engine"),
        TRUST("github-terraform-plan"),
      ].sort(),
    );
    expect(items[TRUST("github-deploy-production")]!.linked_repositories).toEqual([
      "acme-exchange/payments-api",
    ]);
    // `repo:acme-exchange/*` lets in every repository of the organization (the archived one included).
    expect(items[TRUST("github-terraform-plan")]!.linked_repositories).toEqual([
      "acme-exchange/infra-terraform",
      "acme-exchange/legacy-tools",
      "acme-exchange/old-site",
      "acme-exchange/payments-api",
      "acme-exchange/web-frontend",
    ]);
    expect(items[TRUST("github-ecr-push-matching-engine")]!.unknown_repositories).toEqual([
      "acme-exchange/matching-engine",
    ]);
    const message = link.findings.find((f) => f.status === "fail")!.message;
    expect(message).toContain(
      "trusts acme-exchange/matching-engine, which matches no repository of acme-exchange",
    );
    // One listing of the organization's repositories, read-only, and recorded as GitHub evidence.
    const listings = out.calls.filter((c) => c.provider === "github" && c.operation === "listForOrg");
    expect(listings).toHaveLength(1);
    expect(server.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("the demo recordings together: the account trusts acme-exchange, the audited organization — only the trust to a repository that does not exist is flagged", async () => {
    const out = await executeRun({
      filter: { control: [LINK, "access.github-org-2fa-required"] },
      replayDir: [AWS_DEMO, "fixtures/github/demo"],
      runtimeFactories: { github: githubRuntimeFrom({}, {}) },
    });
    const link = byId(out)[LINK]!;
    expect(flagged(link)).toEqual([TRUST("github-ecr-push-matching-engine")]);
    const byTrust = Object.fromEntries(
      link.items.map((i) => [String(i.role_arn ?? i.resource ?? ""), i.linked_repositories]),
    );
    expect(link.items.every((i) => JSON.stringify(i.audited_organizations) === '["acme-exchange"]')).toBe(
      true,
    );
    expect(Object.values(byTrust).some((r) => JSON.stringify(r) === '["acme-exchange/payments-api"]')).toBe(
      true,
    );
    expect(
      link.findings.find((f) => f.resource === TRUST("github-ecr-push-matching-engine"))!.message,
    ).toContain("acme-exchange/matching-engine");
  });

  it("the organization's repositories cannot be listed: the trusts into it are error (never pass), the GitHub controls that can still run do", async () => {
    server.configure({ token: TEST_TOKEN, deny: ["/orgs/acme-exchange/repos*"] }, acmeExchange());
    const out = await bothProviders("acme-exchange");
    const link = byId(out)[LINK]!;
    expect(link.status).toBe("error");
    expect(link.findings.map((f) => `${f.resource}:${f.status}`).sort()).toEqual(
      [
        `${TRUST("github-deploy-production")}:error`,
        `${TRUST("github-ecr-push-matching-engine")}:error`,
        `${TRUST("github-terraform-plan")}:error`,
      ].sort(),
    );
    expect(link.findings[0]!.message).toMatch(/could not be linked: acme-exchange: .*403/);
    expect(byId(out)["access.github-org-2fa-required"]!.status).toBe("fail");
  });

  it("AWS only: nothing to link — not applicable, no GitHub call, no error", async () => {
    const out = await executeRun({ filter: { control: [LINK] }, replayDir: AWS_DEMO });
    const link = byId(out)[LINK]!;
    expect(link.status).toBe("not_applicable");
    expect(link.errors).toEqual([]);
    expect(link.problems ?? []).toEqual([]);
    expect(out.calls.some((c) => c.provider === "github")).toBe(false);
    expect(out.document.run.providers.map((p) => p.provider)).toEqual(["aws"]);
  });
});
