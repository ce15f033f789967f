/** Runs the GitHub controls in process: the real Octokit client against the local FakeGitHub server. */
import { demoModel, type GitHubOrgModel } from "../../fixtures/github/demo-src/model.js";
import { FakeGitHub, type FakeGitHubOptions } from "../../fixtures/lib/github-server.js";
import { parsePeriod } from "../../src/core/period.js";
import type { ControlResult } from "../../src/core/types.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import { GitHubRuntime, type GitHubRuntimeOptions } from "../../src/providers/github/runtime.js";

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
  } = {},
): Promise<RunOutcome> {
  return executeRun({
    filter: { provider: ["github"], ...(opts.control ? { control: opts.control } : {}) },
    now: new Date("2026-11-20T09:00:00.000Z"),
    period: parsePeriod("2026-Q3"),
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

export function flagged(r: ControlResult | undefined): string[] {
  return (r?.findings ?? [])
    .filter((f) => f.status === "fail")
    .map((f) => f.resource)
    .sort();
}

export function byId(outcome: RunOutcome): Record<string, ControlResult> {
  return Object.fromEntries(outcome.results.map((r) => [r.id, r]));
}
