/**
 * The GitHub API base URL of a run, checked. Its own module so that a replay, which needs the URL but not
 * Octokit's live plugins nor the App auth (connection.ts), does not load them.
 */
import { InputError } from "../../core/errors.js";
import { isLoopback } from "../gcp/connection.js";

export const DEFAULT_API_URL = "https://api.github.com";

/** Checks the base URL: https anywhere, http only on a loopback host. Returns it without a trailing slash. */
export function parseApiUrl(value: string | undefined): string {
  if (!value) return DEFAULT_API_URL;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError({ field: "--github-api-url", message: `"${value}" is not a URL` });
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (u.protocol === "http:" && !isLoopback(host))
    throw new InputError({
      field: "--github-api-url",
      message: `plain http is allowed only for a loopback host (127.0.0.1, ::1, localhost), not ${u.host}`,
    });
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new InputError({ field: "--github-api-url", message: `"${value}" is not an http(s) URL` });
  return value.replace(/\/+$/, "");
}
