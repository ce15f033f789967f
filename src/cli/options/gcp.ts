/** GCP flags of `run` (scope, credentials, endpoint). The GCP provider registers its runtime from here. */
import type { Command } from "commander";
import type { RuntimeFactory } from "../../engine/execute-run.js";
import { parseEndpoint } from "../../providers/gcp/endpoint.js";
import { collectList } from "../io.js";

export function addGcpOptions(cmd: Command): Command {
  return cmd
    .option(
      "--organization <id>",
      "GCP: the organization to cover (numeric id; default: every one the caller sees)",
    )
    .option(
      "--folder <id>",
      "GCP: cover this folder and everything below it (repeatable, comma list)",
      collectList,
    )
    .option("--project <id...>", "GCP: cover only these project ids (repeatable, comma list)")
    .option(
      "--impersonate-service-account <email>",
      "GCP: call as this service account (needs roles/iam.serviceAccountTokenCreator on it); default: ADC",
    )
    .option(
      "--gcp-endpoint <host[:port]>",
      "GCP: send every Google API call to this endpoint (env ITGC_GCP_ENDPOINT); plaintext without " +
        "credentials only for a loopback host (127.0.0.1, ::1, localhost), TLS with credentials otherwise",
    )
    .option(
      "--gcp-rest-endpoint <host[:port]>",
      "GCP: endpoint for the REST-only APIs (Liens v1, Cloud Storage JSON, IAM v1, Policy Analyzer v1); env ITGC_GCP_REST_ENDPOINT; " +
        "default: --gcp-endpoint",
    );
}

export interface GcpFlags {
  organization?: string;
  folder?: string[];
  project?: string[];
  impersonateServiceAccount?: string;
  gcpEndpoint?: string;
  gcpRestEndpoint?: string;
}

/**
 * The GCP runtime factory for these flags (used only when GCP controls are selected). The flags are checked
 * now; gRPC and the Google clients are loaded only when a run really needs GCP.
 */
export function gcpRuntimeFrom(
  flags: GcpFlags,
  env: NodeJS.ProcessEnv = process.env,
): RuntimeFactory | undefined {
  const endpointText = flags.gcpEndpoint ?? (env.ITGC_GCP_ENDPOINT || undefined);
  const restText = flags.gcpRestEndpoint ?? (env.ITGC_GCP_REST_ENDPOINT || undefined);
  const endpoint = endpointText ? parseEndpoint(endpointText, "--gcp-endpoint") : undefined;
  const restEndpoint = restText ? parseEndpoint(restText, "--gcp-rest-endpoint") : undefined;
  const projects = (flags.project ?? [])
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  return async ({ recorder, replay, allowedOperations }) => {
    const { GcpRuntime } = await import("../../providers/gcp/runtime.js");
    return new GcpRuntime({
      recorder,
      replay,
      allowedOperations,
      organization: flags.organization?.replace(/^organizations\//, ""),
      folders: flags.folder?.map((f) => f.replace(/^folders\//, "")),
      projects: projects.length > 0 ? projects : undefined,
      impersonate: flags.impersonateServiceAccount,
      endpoint,
      restEndpoint,
    });
  };
}
