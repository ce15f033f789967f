/**
 * The AWS OIDC trust → GitHub repositories link (aws.iam.oidcTrustRepositories, control
 * access.aws-iam-oidc-trust-audited-repositories): the AWS demo account's recorded trusts, with GitHub in the
 * same run — the local GitHub stand-in through the real Octokit client, or the GitHub demo recording — and
 * without it. The demo account's GitHub trusts: `repo:example-exchange/platform:environment:production`,
 * `repo:example-exchange/*`, `repo:example-exchange/matching-engine:*` (GitLab's is not a GitHub trust).
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

/** The demo organization under the name the AWS demo account trusts, with a `platform` repository. */
function exampleExchange(): GitHubOrgModel {
  const m = JSON.parse(JSON.stringify(demoModel()).replaceAll("acme-exchange", "example-exchange"));
  const web = m.repos.find((r: { repo: { name: string } }) => r.repo.name === "web-frontend");
  m.repos.push({
    ...structuredClone(web),
    repo: { ...web.repo, id: 7006, name: "platform", full_name: "example-exchange/platform" },
  });
  return m;
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
    server.configure({ token: TEST_TOKEN }, exampleExchange());
    const out = await bothProviders("example-exchange");
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
      "example-exchange/platform",
    ]);
    // `repo:example-exchange/*` lets in every repository of the organization (the archived one included).
    expect(items[TRUST("github-terraform-plan")]!.linked_repositories).toEqual([
      "example-exchange/infra-terraform",
      "example-exchange/legacy-tools",
      "example-exchange/old-site",
      "example-exchange/payments-api",
      "example-exchange/platform",
      "example-exchange/web-frontend",
    ]);
    expect(items[TRUST("github-ecr-push-matching-engine")]!.unknown_repositories).toEqual([
      "example-exchange/matching-engine",
    ]);
    const message = link.findings.find((f) => f.status === "fail")!.message;
    expect(message).toContain(
      "trusts example-exchange/matching-engine, which matches no repository of example-exchange",
    );
    // One listing of the organization's repositories, read-only, and recorded as GitHub evidence.
    const listings = out.calls.filter((c) => c.provider === "github" && c.operation === "listForOrg");
    expect(listings).toHaveLength(1);
    expect(server.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("the demo recordings together: the account trusts example-exchange, the audited organization is acme-exchange — every GitHub trust is outside it", async () => {
    const out = await executeRun({
      filter: { control: [LINK, "access.github-org-2fa-required"] },
      replayDir: [AWS_DEMO, "fixtures/github/demo"],
      runtimeFactories: { github: githubRuntimeFrom({}, {}) },
    });
    const link = byId(out)[LINK]!;
    expect(flagged(link)).toEqual(
      [
        TRUST("github-deploy-production"),
        TRUST("github-ecr-push-matching-engine"),
        TRUST("github-terraform-plan"),
      ].sort(),
    );
    for (const i of link.items) {
      expect(i.audited_organizations).toEqual(["acme-exchange"]);
      expect(i.linked_repositories).toEqual([]);
    }
    expect(link.findings.find((f) => f.resource === TRUST("github-terraform-plan"))!.message).toContain(
      "outside the audited GitHub organizations acme-exchange: example-exchange/*",
    );
  });

  it("the organization's repositories cannot be listed: the trusts into it are error (never pass), the GitHub controls that can still run do", async () => {
    server.configure({ token: TEST_TOKEN, deny: ["/orgs/example-exchange/repos*"] }, exampleExchange());
    const out = await bothProviders("example-exchange");
    const link = byId(out)[LINK]!;
    expect(link.status).toBe("error");
    expect(link.findings.map((f) => `${f.resource}:${f.status}`).sort()).toEqual(
      [
        `${TRUST("github-deploy-production")}:error`,
        `${TRUST("github-ecr-push-matching-engine")}:error`,
        `${TRUST("github-terraform-plan")}:error`,
      ].sort(),
    );
    expect(link.findings[0]!.message).toMatch(/could not be linked: example-exchange: .*403/);
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
