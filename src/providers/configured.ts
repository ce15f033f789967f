/**
 * Which providers are set up on this machine, for a live `run` without `--provider`: it runs those and says
 * which it skipped and why (an AWS-only machine runs the AWS controls instead of failing on GCP).
 *
 * The checks follow each SDK's own credential chain, cheapest first, and load no SDK:
 * - AWS: --profile / AWS_PROFILE, AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, web identity (EKS IRSA, OIDC in
 *   CI), container credentials (ECS, EKS Pod Identity), a [default] profile in the shared files, and only
 *   then the EC2 instance metadata service (one local PUT for a token, 1 s timeout; skipped with
 *   AWS_EC2_METADATA_DISABLED=true, as the SDK does).
 * - GCP: a loopback --gcp-endpoint (a test server without credentials), GOOGLE_APPLICATION_CREDENTIALS, the
 *   gcloud ADC file, and only then the GCE metadata server (1 s timeout; skipped with
 *   METADATA_SERVER_DETECTION=none, as google-auth-library does).
 * A provider added later registers its check in DETECTORS.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Provider } from "../core/types.js";

export interface DetectInput {
  env: NodeJS.ProcessEnv;
  home: string;
  profile?: string;
  /** --gcp-endpoint or ITGC_GCP_ENDPOINT was given and is a loopback host. */
  gcpLoopbackEndpoint?: boolean;
  /** --github-org was given (a GitHub run needs to know which organization). */
  githubOrg?: boolean;
  /** --github-app-id was given (GitHub App credentials instead of a token). */
  githubApp?: boolean;
}

export interface Detection {
  provider: Provider;
  configured: boolean;
  /** Where the credentials come from, or why none were found. */
  reason: string;
}

type Detector = (input: DetectInput) => Promise<Omit<Detection, "provider">>;

const PROBE_TIMEOUT_MS = 1000;

function hasDefaultProfile(file: string, header: RegExp): boolean {
  try {
    return header.test(readFileSync(file, "utf8"));
  } catch {
    return false;
  }
}

async function detectAws({ env, home, profile }: DetectInput): Promise<Omit<Detection, "provider">> {
  const found = (reason: string) => ({ configured: true, reason });
  if (profile) return found(`--profile ${profile}`);
  if (env.AWS_PROFILE) return found(`AWS_PROFILE=${env.AWS_PROFILE}`);
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return found("AWS_ACCESS_KEY_ID in the environment");
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return found("web identity (AWS_ROLE_ARN)");
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return found("container credentials (ECS / EKS Pod Identity)");
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials");
  if (hasDefaultProfile(credentials, /^\s*\[default\]\s*$/m)) return found(`[default] in ${credentials}`);
  const config = env.AWS_CONFIG_FILE ?? join(home, ".aws", "config");
  if (hasDefaultProfile(config, /^\s*\[(profile\s+)?default\]\s*$/m)) return found(`[default] in ${config}`);
  const imdsOff = env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true";
  if (!imdsOff && (await ec2MetadataAnswers())) return found("EC2 instance metadata (instance profile)");
  return {
    configured: false,
    reason:
      "no AWS credentials found (no --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID, no web-identity or " +
      `container credentials, no [default] profile in ~/.aws, ${imdsOff ? "instance metadata disabled" : "no EC2 instance metadata"})`,
  };
}

async function detectGcp({
  env,
  home,
  gcpLoopbackEndpoint,
}: DetectInput): Promise<Omit<Detection, "provider">> {
  const found = (reason: string) => ({ configured: true, reason });
  if (gcpLoopbackEndpoint) return found("a loopback --gcp-endpoint (no credentials)");
  const keyFile = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (keyFile) {
    if (existsSync(keyFile)) return found(`GOOGLE_APPLICATION_CREDENTIALS=${keyFile}`);
    return { configured: false, reason: `GOOGLE_APPLICATION_CREDENTIALS names a missing file (${keyFile})` };
  }
  const adc = join(
    env.CLOUDSDK_CONFIG ?? join(home, ".config", "gcloud"),
    "application_default_credentials.json",
  );
  if (existsSync(adc)) return found(`gcloud application-default credentials (${adc})`);
  const probeOff = env.METADATA_SERVER_DETECTION?.toLowerCase() === "none";
  if (!probeOff && (await gceMetadataAnswers(env))) return found("the GCE metadata server");
  return {
    configured: false,
    reason:
      "no Application Default Credentials found (GOOGLE_APPLICATION_CREDENTIALS unset, no " +
      `\`gcloud auth application-default login\` file, ${probeOff ? "metadata server detection off" : "no GCE metadata server"})`,
  };
}

/** GitHub: a run covers an organization named with --github-org, with a token or a GitHub App. */
async function detectGithub({
  env,
  githubOrg,
  githubApp,
}: DetectInput): Promise<Omit<Detection, "provider">> {
  if (!githubOrg) return { configured: false, reason: "no --github-org given" };
  if (githubApp) return { configured: true, reason: "a GitHub App (--github-app-id)" };
  if (env.GITHUB_TOKEN) return { configured: true, reason: "GITHUB_TOKEN" };
  if (env.GH_TOKEN) return { configured: true, reason: "GH_TOKEN" };
  return {
    configured: false,
    reason: "--github-org given but no GITHUB_TOKEN / GH_TOKEN or --github-app-id",
  };
}

export const DETECTORS: Partial<Record<Provider, Detector>> = {
  aws: detectAws,
  gcp: detectGcp,
  github: detectGithub,
};

/** Detects the given providers concurrently (the metadata probes overlap). */
export async function detectProviders(
  providers: Provider[],
  input: Partial<DetectInput> = {},
): Promise<Detection[]> {
  const full: DetectInput = { env: process.env, home: homedir(), ...input };
  return Promise.all(
    providers.map(async (provider) => {
      const detect = DETECTORS[provider];
      if (!detect) return { provider, configured: true, reason: "no credential check for this provider" };
      return { provider, ...(await detect(full)) };
    }),
  );
}

async function ec2MetadataAnswers(): Promise<boolean> {
  try {
    const r = await fetch("http://169.254.169.254/latest/api/token", {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

async function gceMetadataAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const host = env.GCE_METADATA_HOST ?? env.GCE_METADATA_IP ?? "169.254.169.254";
  try {
    const r = await fetch(`http://${host}/computeMetadata/v1/instance/id`, {
      headers: { "Metadata-Flavor": "Google" },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await r.body?.cancel();
    return r.ok && r.headers.get("metadata-flavor") === "Google";
  } catch {
    return false;
  }
}
