/** GitHub flags of `run` (organizations, repositories, credentials, endpoint). Registers the GitHub runtime. */
import type { Command } from "commander";
import type { RuntimeFactory } from "../../engine/execute-run.js";
import { collectList, parsePositiveInt } from "../io.js";

export function addGithubOptions(cmd: Command): Command {
  return cmd
    .option(
      "--github-org <org>",
      "GitHub: the organization(s) to cover (repeatable, comma list)",
      collectList,
    )
    .option(
      "--github-repos <pattern>",
      "GitHub: only repositories matching NAME or ORG/NAME, * as wildcard (repeatable, comma list); " +
        "default: every non-archived repository of the organization",
      collectList,
    )
    .option(
      "--github-api-url <url>",
      "GitHub: the REST API base URL (GitHub Enterprise Server: https://HOST/api/v3); plain http only for a " +
        "loopback host; credentials from GITHUB_TOKEN or GH_TOKEN (a read-only fine-grained token) by default",
    )
    .option(
      "--github-app-id <id>",
      "GitHub: authenticate as this GitHub App (with the key file and installation)",
    )
    .option("--github-app-key-file <file>", "GitHub: the App's private key (PEM)")
    .option("--github-app-installation-id <id>", "GitHub: the App's installation on the organization")
    .option(
      "--github-reserve <n>",
      "GitHub: stop sending requests when only this many of an hourly rate limit are left (REST requests, " +
        "GraphQL points; default 100); " +
        "the controls still waiting are error, the evidence so far is kept",
      parsePositiveInt,
    );
}

export interface GithubFlags {
  githubOrg?: string[];
  githubRepos?: string[];
  githubApiUrl?: string;
  githubAppId?: string;
  githubAppKeyFile?: string;
  githubAppInstallationId?: string;
  githubReserve?: number;
}

/** The GitHub runtime factory for these flags (used only when GitHub controls are selected). */
export function githubRuntimeFrom(flags: GithubFlags, env: NodeJS.ProcessEnv = process.env): RuntimeFactory {
  // Octokit loads only when a run selects GitHub controls (start-up of every other command stays light).
  return async ({ recorder, replay, allowedOperations }) => {
    const { GitHubRuntime } = await import("../../providers/github/runtime.js");
    // Credentials are read only for a live run: a replay needs none, nor the live client's modules.
    const credentials = replay
      ? ({ kind: "none" } as const)
      : (await import("../../providers/github/connection.js")).credentialsFrom(
          {
            appId: flags.githubAppId,
            appKeyFile: flags.githubAppKeyFile,
            installationId: flags.githubAppInstallationId,
          },
          env,
        );
    return new GitHubRuntime({
      recorder,
      replay,
      allowedOperations,
      orgs: flags.githubOrg,
      repoPatterns: flags.githubRepos,
      apiUrl: flags.githubApiUrl,
      reserve: flags.githubReserve,
      credentials,
    });
  };
}
