/**
 * The Octokit of a replay: it expands REST routes into request URLs and follows pagination, and never
 * reaches the network (every answer comes from the recording, calls.ts). Plain `@octokit/rest`, without the
 * throttling and retry plugins or the App auth of the live client (connection.ts), which a replay does not
 * load at all (≈ 0.2 s of a warm demo's start-up).
 */
import { Octokit } from "@octokit/rest";
import { DEFAULT_API_URL, parseApiUrl } from "./api-url.js";

/** A client that can expand routes and paginate but never reaches the network (replay). */
export function createOfflineClient(apiUrl?: string): Octokit {
  return new Octokit({
    baseUrl: parseApiUrl(apiUrl ?? DEFAULT_API_URL),
    request: {
      fetch: () => Promise.reject(new Error("replay: no request leaves the process")),
    },
  });
}
