/**
 * How the tool reaches GitHub: the API base URL, the credentials and the Octokit client built on them.
 *
 * - Base URL: https://api.github.com, or `--github-api-url` (GitHub Enterprise Server: https://HOST/api/v3).
 *   Plain http is accepted only for a loopback host (127.0.0.1, ::1, localhost: local test servers).
 * - Credentials: a token from GITHUB_TOKEN or GH_TOKEN (a fine-grained personal access token, read-only),
 *   or a GitHub App (`--github-app-id`, `--github-app-key-file`, `--github-app-installation-id`) through
 *   @octokit/auth-app, which mints and renews installation tokens. A loopback endpoint may run without any.
 * - Plugins: throttling (honours `x-ratelimit-*` and a secondary limit's `retry-after`, counted as throttles,
 *   on REST and on POST /graphql alike) and retry (5xx and network errors); a request hook refuses anything but
 *   a read — GraphQL only for documents of queries (read-only.ts).
 * The token is held by the auth strategy only; it is never recorded, logged or returned.
 */
import { readFileSync } from "node:fs";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { InputError } from "../../core/errors.js";
import { isLoopback } from "../gcp/connection.js";
import { parseApiUrl } from "./api-url.js";
import type { AttemptCounter } from "./calls.js";
import { GitHubReadOnlyViolation, isAllowedGitHubRequest } from "./read-only.js";

// Replay needs neither these plugins nor the App auth: it uses offline-client.ts and api-url.ts alone.
export { DEFAULT_API_URL, parseApiUrl } from "./api-url.js";
export { createOfflineClient } from "./offline-client.js";

const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export type GitHubCredentials =
  | { kind: "token"; token: string; source: string }
  | { kind: "app"; appId: string; privateKey: string; installationId: number }
  | { kind: "none" };

export interface GitHubConnectionOptions {
  apiUrl?: string;
  credentials: GitHubCredentials;
  /** Secondary-limit retries before a request fails (default 2). */
  maxThrottleRetries?: number;
  /** Milliseconds per second of `retry-after` (tests shrink it; default 1000). */
  retryAfterBaseMs?: number;
  onThrottle?: (kind: "primary" | "secondary") => void;
  /** The HTTP transport under Octokit (default: global fetch); the benchmark answers synthetically through it. */
  fetch?: typeof fetch;
}

/**
 * Replaces the throttling plugin's write limiter (a Bottleneck group: `key(id).schedule(options, fn)`). The
 * plugin cannot tell a GraphQL query from a mutation, so it spaces every POST /graphql one at a time a second
 * apart, as GitHub advises for content-creating requests. Ours are queries only (read-only.ts refuses anything
 * else), and GitHub's secondary limits treat a query like a REST GET (1 secondary point, at most 2,000 a
 * minute for GraphQL against 900 for REST, 100 concurrent requests across both), so they go through the run's
 * concurrency limit like GETs, and a secondary limit's `retry-after` is still honoured. The only other POST the
 * client sends, the App's token exchange, is scheduled in the plugin's auth group, not here.
 */
const UNSPACED_WRITES = {
  key: () => ({
    schedule: <T>(_options: unknown, fn: (...a: unknown[]) => Promise<T>, ...args: unknown[]) => fn(...args),
  }),
};

/** Reads the credentials from flags and environment; throws InputError for an unusable combination. */
export function credentialsFrom(
  flags: { appId?: string; appKeyFile?: string; installationId?: string },
  env: NodeJS.ProcessEnv = process.env,
): GitHubCredentials {
  if (flags.appId || flags.appKeyFile || flags.installationId) {
    if (!flags.appId || !flags.appKeyFile || !flags.installationId)
      throw new InputError(
        "a GitHub App needs all of --github-app-id, --github-app-key-file and --github-app-installation-id",
      );
    const installationId = Number(flags.installationId);
    if (!Number.isInteger(installationId) || installationId < 1)
      throw new InputError({ field: "--github-app-installation-id", message: "must be a positive number" });
    let privateKey: string;
    try {
      privateKey = readFileSync(flags.appKeyFile, "utf8");
    } catch (e) {
      throw new InputError({
        file: flags.appKeyFile,
        message: `cannot read the App's private key: ${(e as Error).message}`,
      });
    }
    return { kind: "app", appId: flags.appId, privateKey, installationId };
  }
  if (env.GITHUB_TOKEN) return { kind: "token", token: env.GITHUB_TOKEN, source: "GITHUB_TOKEN" };
  if (env.GH_TOKEN) return { kind: "token", token: env.GH_TOKEN, source: "GH_TOKEN" };
  return { kind: "none" };
}

export function createGitHubClient(opts: GitHubConnectionOptions): GitHubClient {
  const baseUrl = parseApiUrl(opts.apiUrl);
  const loopback = isLoopback(new URL(baseUrl).hostname.replace(/^\[|\]$/g, ""));
  const c = opts.credentials;
  if (c.kind === "none" && !loopback)
    throw new InputError(
      "no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN) to a read-only fine-grained token, or use a GitHub App " +
        "(--github-app-id, --github-app-key-file, --github-app-installation-id)",
    );
  const maxRetries = opts.maxThrottleRetries ?? 2;
  const client = new GitHubOctokit({
    baseUrl,
    userAgent: "itgc-validate",
    ...(c.kind === "token" ? { auth: c.token } : {}),
    ...(c.kind === "app"
      ? {
          authStrategy: createAppAuth,
          auth: { appId: c.appId, privateKey: c.privateKey, installationId: c.installationId },
        }
      : {}),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    ...(opts.fetch ? { request: { fetch: opts.fetch } } : {}),
    throttle: {
      retryAfterBaseValue: opts.retryAfterBaseMs ?? 1000,
      // biome-ignore lint/suspicious/noExplicitAny: the plugin types `write` as a full Bottleneck group; it calls key().schedule() only
      write: UNSPACED_WRITES as any,
      onRateLimit: () => {
        // The primary limit: waiting for the reset could take up to an hour, so the request fails and the
        // budget (budget.ts) stops the run cleanly instead.
        opts.onThrottle?.("primary");
        return false;
      },
      onSecondaryRateLimit: (_retryAfter, options, _octokit, retryCount) => {
        opts.onThrottle?.("secondary");
        if (retryCount >= maxRetries) return false;
        const counter = (options.request as { itgc?: AttemptCounter }).itgc;
        if (counter) counter.retries++;
        return true;
      },
    },
    retry: { retries: 2 },
  });
  // Outermost check of every request Octokit would send (the auth strategy's and retries' included).
  client.hook.before("request", (options) => {
    // A GraphQL POST is checked on the document it would send: `query` (a raw `data` body is never used).
    const document = "data" in options ? undefined : (options as { query?: unknown }).query;
    if (!isAllowedGitHubRequest(options.method, options.url, document))
      throw new GitHubReadOnlyViolation(options.method, options.url);
  });
  return client;
}

/** Who the credentials belong to, without recording the token: the user login, or the App installation. */
export async function callerIdentity(
  client: GitHubClient,
  c: GitHubCredentials,
): Promise<{ principal: string; source: string }> {
  if (c.kind === "app")
    return {
      principal: `github-app:${c.appId}/installation:${c.installationId}`,
      source: "GitHub App installation token",
    };
  if (c.kind === "none") return { principal: "anonymous", source: "no credentials (loopback endpoint)" };
  const me = await client.rest.users.getAuthenticated();
  return { principal: me.data.login, source: c.source };
}
