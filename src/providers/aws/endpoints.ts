/**
 * Endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, a private endpoint, a local
 * emulator) for every client of a run.
 *
 * The SDK honours these variables by itself, but some endpoint rules put something in front of the host:
 * S3 Control prefixes the account id (`123456789012.s3-control…`), which turns `http://127.0.0.1:4566`
 * into an invalid URL (`TypeError: Invalid URL`, and the SDK prints a stack trace), and operations with a
 * host-prefix trait do the same. With an override in effect the clients get `disableHostPrefix` and
 * path-style S3, and S3 Control is pinned to the override as given.
 */

/** The environment-variable suffix of a service (the SDK's service id, upper case, `_` for spaces). */
const ENV_NAMES: Record<string, string> = {
  S3Control: "S3_CONTROL",
  CloudWatchLogs: "CLOUDWATCH_LOGS",
  ConfigService: "CONFIG_SERVICE",
  SSOAdmin: "SSO_ADMIN",
};

/** The endpoint the environment sets for `service` (a client name without `Client`), if any. */
export function endpointOverride(service: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "")) return undefined;
  const suffix = ENV_NAMES[service] ?? service.toUpperCase();
  return env[`AWS_ENDPOINT_URL_${suffix}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** Services whose endpoint rules prefix the host with the account id. */
const ACCOUNT_PREFIXED = new Set(["S3Control"]);

/** Makes `client` send to `endpoint` exactly, when its endpoint rules would rewrite the host. */
export function pinEndpoint(client: unknown, service: string, endpoint: string): void {
  if (!ACCOUNT_PREFIXED.has(service)) return;
  const config = (client as { config: { endpointProvider?: unknown } }).config;
  const url = new URL(endpoint);
  config.endpointProvider = () => ({ url: new URL(url.href) });
}
