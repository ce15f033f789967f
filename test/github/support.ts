/** Runs the GitHub controls in process: the real Octokit client against the local FakeGitHub server. */
import { demoModel, type GitHubOrgModel, PERIOD, sha } from "../../fixtures/github/demo-src/model.js";
import { FakeGitHub, type FakeGitHubOptions } from "../../fixtures/lib/github-server.js";
import { parsePeriod } from "../../src/core/period.js";
import type { ControlResult } from "../../src/core/types.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import type { ParamOverrides } from "../../src/engine/params.js";
import { RateBudget } from "../../src/providers/github/budget.js";
import { GitHubCalls } from "../../src/providers/github/calls.js";
import { createGitHubClient } from "../../src/providers/github/connection.js";
import { GitHubRuntime, type GitHubRuntimeOptions } from "../../src/providers/github/runtime.js";
import type { RecordedCall } from "../../src/recording/format.js";
import { Recorder } from "../../src/recording/recorder.js";

export const TEST_TOKEN = "github_pat_TESTTOKEN0123456789abcdefghijklmnopqrstuvwxyz";

export async function startServer(
  opts: FakeGitHubOptions = {},
  model: GitHubOrgModel = demoModel(),
): Promise<FakeGitHub> {
  const server = new FakeGitHub(model, { token: TEST_TOKEN, ...opts });
  await server.start();
  return server;
}

export async function runLive(
  server: FakeGitHub,
  opts: {
    control?: string[];
    runtime?: Partial<GitHubRuntimeOptions>;
    overrides?: Record<string, Record<string, unknown>>;
    /** Default: the demo's period (fixtures/github/demo-src/model.ts PERIOD). */
    period?: string;
  } = {},
): Promise<RunOutcome> {
  return executeRun({
    filter: { provider: ["github"], ...(opts.control ? { control: opts.control } : {}) },
    now: new Date("2026-11-20T09:00:00.000Z"),
    period: parsePeriod(opts.period ?? PERIOD.spec),
    overrides: opts.overrides ?? {},
    runtimeFactories: {
      github: ({ recorder, replay }) =>
        new GitHubRuntime({
          recorder,
          replay,
          orgs: ["acme-exchange"],
          apiUrl: server.url,
          credentials: { kind: "token", token: TEST_TOKEN, source: "GITHUB_TOKEN" },
          retryAfterBaseMs: 1,
          ...opts.runtime,
        }),
    },
  });
}

/** The live run's real Octokit client (throttling and retry plugins, read-only hook) for the local server. */
export function testClient(server: FakeGitHub) {
  return createGitHubClient({
    apiUrl: server.url,
    credentials: { kind: "token", token: TEST_TOKEN, source: "GITHUB_TOKEN" },
  });
}

/** The provider's call wrapper over `client`, with no budget reserve; `allowed`: the run's allow-list. */
export function testCalls(client: ReturnType<typeof createGitHubClient>, allowed?: string[]): GitHubCalls {
  return new GitHubCalls({
    recorder: new Recorder(),
    client,
    budget: new RateBudget(0),
    ...(allowed ? { allowed: new Set(allowed) } : {}),
  });
}

/** Strict replay of a live run's calls, no server: the GitHub controls (or `control`) over `calls`. */
export function replayRun(o: {
  calls: RecordedCall[];
  period: unknown;
  control?: string[];
  overrides?: ParamOverrides;
}): Promise<RunOutcome> {
  return executeRun({
    filter: { provider: ["github"], ...(o.control ? { control: o.control } : {}) },
    recording: {
      dir: "memory",
      meta: { evaluatedAt: "2026-11-20T09:00:00.000Z", period: o.period },
      calls: o.calls,
    },
    overrides: o.overrides ?? {},
    runtimeFactories: { github: ({ recorder, replay }) => new GitHubRuntime({ recorder, replay }) },
  });
}

export function flagged(r: ControlResult | undefined): string[] {
  return (r?.findings ?? [])
    .filter((f) => f.status === "fail")
    .map((f) => f.resource)
    .sort();
}

export function byId(outcome: RunOutcome): Record<string, ControlResult> {
  return Object.fromEntries(outcome.results.map((r) => [r.id, r]));
}

export const ORG = "acme-exchange";
export const R = (name: string) => `${ORG}/${name}`;
export const change = (repo: string, label: string) => `${R(repo)}@${sha(`${repo}:${label}`)}`;
/** Approvals the test organization records (the defaults approve nobody). */
export const PARAMS = {
  "access.github-org-owners-approved": { approved_owners: ["alice-sec", "bob-cto"] },
  "access.github-repository-admins-population": { approved_admins: ["alice-sec", "bob-cto", "eve-admin"] },
};

/** Exactly what the demo organization must produce with PARAMS: the seeded exceptions and nothing else. */
export const SEEDED: Record<string, string[]> = {
  "access.github-deploy-keys-read-only": [`${R("infra-terraform")}/3201`],
  "access.github-members-without-2fa": ["mallory-ops"],
  "access.github-org-2fa-required": [ORG],
  "access.github-org-owners-approved": ["eve-admin"],
  "access.github-outside-collaborators-no-write": [`${R("payments-api")}/ext-contractor`],
  "access.github-repository-admins-population": [`${R("infra-terraform")}/terraform-bot`],
  "change-management.github-actions-allowed-actions-restricted": [],
  "change-management.github-actions-default-token-read-only": [ORG],
  "change-management.github-changes-reviewed": [
    change("legacy-tools", "L1"),
    change("payments-api", "A5"),
    change("payments-api", "A6"),
    change("payments-api", "A7"),
  ].sort(),
  "change-management.github-default-branch-code-owner-review": [R("infra-terraform"), R("web-frontend")],
  "change-management.github-default-branch-dismiss-stale-reviews": [R("infra-terraform")],
  "change-management.github-default-branch-force-push-deletion-blocked": [
    R("legacy-tools"),
    R("web-frontend"),
  ],
  "change-management.github-default-branch-no-bypass": [R("infra-terraform"), R("web-frontend")],
  "change-management.github-default-branch-required-approvals": [R("legacy-tools")],
  "change-management.github-default-branch-status-checks": [R("infra-terraform")],
  "change-management.github-production-environment-protection": [`${R("infra-terraform")}/prod`],
};
