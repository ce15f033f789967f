/**
 * How the tool reaches Google: endpoint, channel credentials and the Google clients built on them.
 *
 * - Default: Google's public endpoints over TLS, credentials from Application Default Credentials
 *   (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, the metadata server), optionally
 *   impersonating a service account (`--impersonate-service-account`, needs roles/iam.serviceAccountTokenCreator
 *   on it). One auth client serves every Google client: its token is attached as gRPC call credentials.
 * - `--gcp-endpoint HOST[:PORT]` (or ITGC_GCP_ENDPOINT): every client talks to that host instead. Only a
 *   loopback host (127.0.0.1, ::1, localhost) gets a plaintext channel with no credentials (local test
 *   servers); any other host gets TLS with credentials, as a private endpoint needs.
 */
import type * as Grpc from "@grpc/grpc-js";
import type { AuthClient, OAuth2Client } from "google-auth-library";
import { InputError } from "../../core/errors.js";
import type { GcpTransport } from "./calls.js";
import type { GcpEndpoint } from "./endpoint.js";
import { GcpApiError, GRPC_STATUS } from "./errors.js";

export { type GcpEndpoint, isLoopback, parseEndpoint } from "./endpoint.js";

const SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

// gRPC and google-auth-library load on a live connection's first use: a replay, and the queries that import
// this module for its REST bases and types, need neither (≈ 110 modules, 1 MB of CommonJS).
const loadGrpc = () => import("@grpc/grpc-js");
const loadAuth = () => import("google-auth-library");

export interface GcpConnectionOptions {
  endpoint?: GcpEndpoint;
  /** Endpoint for the REST-only APIs (Liens v1, Cloud Storage JSON, IAM v1, Policy Analyzer v1); defaults to `endpoint`. */
  restEndpoint?: GcpEndpoint;
  impersonate?: string;
  /** An auth client to use instead of ADC (tests, embedding). */
  authClient?: AuthClient;
  /** Deadline of one call (gRPC deadline, REST abort), ms; default 30 s. */
  callTimeoutMs?: number;
}

/** A call to Google that does not answer within this is DEADLINE_EXCEEDED (an error for its scope). */
export const DEFAULT_GCP_CALL_TIMEOUT_MS = 30_000;

// biome-ignore lint/suspicious/noExplicitAny: Google client constructors differ per package
type AnyCtor = new (opts: any) => any;

/** Client constructors by the service name used in recordings. Loaded lazily (replay needs none). */
const CLIENTS: Record<string, () => Promise<AnyCtor>> = {
  OrganizationsClient: async () => (await import("@google-cloud/resource-manager")).OrganizationsClient,
  FoldersClient: async () => (await import("@google-cloud/resource-manager")).FoldersClient,
  ProjectsClient: async () => (await import("@google-cloud/resource-manager")).ProjectsClient,
  OrgPolicyClient: async () => (await import("@google-cloud/org-policy")).OrgPolicyClient,
  ConfigServiceV2Client: async () => (await import("@google-cloud/logging-api")).ConfigServiceV2Client,
  LoggingServiceV2Client: async () => (await import("@google-cloud/logging-api")).LoggingServiceV2Client,
  KeyManagementServiceClient: async () => (await import("@google-cloud/kms")).KeyManagementServiceClient,
  // Cloud KMS locations (google.cloud.location.Locations on the KMS endpoint): the KMS client only exposes
  // them as an async iterable, so the client's own LocationsClient is used to page them one by one.
  KmsLocationsClient: async () => {
    const { KeyManagementServiceClient } = await import("@google-cloud/kms");
    return class {
      constructor(opts: unknown) {
        // biome-ignore lint/correctness/noConstructorReturn: the mixin client the KMS client builds for itself
        return (new KeyManagementServiceClient(opts as never) as unknown as { locationsClient: object })
          .locationsClient;
      }
    } as AnyCtor;
  },
};

/** Public REST bases of the REST-only APIs. */
export const REST_BASES: Record<string, string> = {
  ResourceManagerV1: "https://cloudresourcemanager.googleapis.com",
  StorageJson: "https://storage.googleapis.com",
  // IAM v1 (service accounts and their keys, Workload Identity Federation): REST only in Node.
  IamV1: "https://iam.googleapis.com",
  // Policy Analyzer v1 (Activity Analyzer: the last authentication of each service-account key).
  PolicyAnalyzerV1: "https://policyanalyzer.googleapis.com",
};

export class GcpConnection implements GcpTransport {
  private auth?: AuthClient;
  private readonly clients = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: GcpConnectionOptions) {}

  /** The credentials of the run, or undefined on a loopback endpoint (no credentials are sent there). */
  async authClient(): Promise<AuthClient | undefined> {
    if (this.opts.endpoint?.loopback) return undefined;
    if (!this.auth) {
      let client: AuthClient;
      const { GoogleAuth, Impersonated } = await loadAuth();
      try {
        client = this.opts.authClient ?? (await new GoogleAuth({ scopes: SCOPES }).getClient());
      } catch (e) {
        throw new InputError(
          `cannot load Google Application Default Credentials: ${(e as Error).message} ` +
            "(run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS)",
        );
      }
      if (this.opts.impersonate) {
        client = new Impersonated({
          sourceClient: client,
          targetPrincipal: this.opts.impersonate,
          targetScopes: SCOPES,
          lifetime: 3600,
        });
      }
      this.auth = client;
    }
    return this.auth;
  }

  /** Who the calls run as: the impersonated account, the key's account, or the ADC user (tokeninfo). */
  async callerIdentity(): Promise<{ principal: string; account?: string; source: string }> {
    const ep = this.opts.endpoint;
    if (ep?.loopback)
      return { principal: `anonymous@${hostPort(ep)}`, source: "loopback endpoint, no credentials" };
    const auth = await this.authClient();
    if (this.opts.impersonate)
      return { principal: this.opts.impersonate, source: "impersonated service account" };
    const creds = auth as unknown as { email?: string; projectId?: string; quotaProjectId?: string };
    const account = creds.quotaProjectId ?? creds.projectId ?? undefined;
    if (creds.email) return { principal: creds.email, account, source: "service account credentials" };
    try {
      const token = await auth!.getAccessToken();
      const info = await (auth as OAuth2Client).getTokenInfo(token.token ?? "");
      if (info.email) return { principal: info.email, account, source: "application default credentials" };
    } catch {
      // tokeninfo is best effort: the principal is then unknown, which the evidence says.
    }
    return { principal: "unknown (application default credentials)", account, source: "adc" };
  }

  private async channelCredentials(): Promise<Grpc.ChannelCredentials> {
    const grpc = await loadGrpc();
    if (this.opts.endpoint?.loopback) return grpc.credentials.createInsecure();
    const auth = (await this.authClient())!;
    const call = grpc.credentials.createFromMetadataGenerator((params, callback) => {
      auth
        .getRequestHeaders(params.service_url)
        .then((headers) => {
          const md = new grpc.Metadata();
          const entries =
            typeof (headers as Headers).forEach === "function"
              ? [...(headers as Headers).entries()]
              : Object.entries(headers as unknown as Record<string, string>);
          for (const [k, v] of entries) md.add(k, v);
          callback(null, md);
        })
        .catch((e: Error) => callback(e));
    });
    return grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(), call);
  }

  private client(service: string): Promise<unknown> {
    let p = this.clients.get(service);
    if (!p) {
      const load = CLIENTS[service];
      if (!load) return Promise.reject(new Error(`no Google client named ${service}`));
      p = (async () => {
        const Ctor = await load();
        const ep = this.opts.endpoint;
        return new Ctor({
          ...(ep ? { apiEndpoint: ep.host, ...(ep.port ? { port: ep.port } : {}) } : {}),
          sslCreds: await this.channelCredentials(),
          // Channel credentials carry the token; these keep the client's own auth from probing the
          // metadata server for a project id or universe domain.
          projectId: "itgc-validate",
          universeDomain: "googleapis.com",
          credentials: { client_email: "unused@itgc-validate.invalid", private_key: "unused" },
        });
      })();
      this.clients.set(service, p);
    }
    return p;
  }

  async invoke(
    service: string,
    operation: string,
    request: unknown,
    options?: Record<string, unknown>,
  ): Promise<unknown> {
    const client = (await this.client(service)) as Record<string, unknown>;
    const fn = client[operation];
    if (typeof fn !== "function") throw new Error(`${service} has no method ${operation}`);
    const timeout = this.opts.callTimeoutMs ?? DEFAULT_GCP_CALL_TIMEOUT_MS;
    return (fn as (r: unknown, o?: unknown) => Promise<unknown>).call(client, request, {
      timeout,
      ...options,
    });
  }

  async rest(
    service: string,
    url: { base: string; path: string; query?: Record<string, string> },
  ): Promise<unknown> {
    const ep = this.opts.restEndpoint ?? this.opts.endpoint;
    const base = ep ? `${ep.loopback ? "http" : "https"}://${hostPort(ep)}` : url.base;
    const target = new URL(url.path, base);
    for (const [k, v] of Object.entries(url.query ?? {})) target.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: "application/json" };
    if (!ep?.loopback) {
      const auth = (await this.authClient())!;
      const h = await auth.getRequestHeaders(target.toString());
      const entries =
        typeof (h as Headers).forEach === "function"
          ? [...(h as Headers).entries()]
          : Object.entries(h as unknown as Record<string, string>);
      for (const [k, v] of entries) headers[k] = v;
    }
    const timeout = this.opts.callTimeoutMs ?? DEFAULT_GCP_CALL_TIMEOUT_MS;
    let res: Response;
    try {
      res = await fetch(target, { headers, signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      if ((e as Error).name === "TimeoutError")
        throw new GcpApiError(4, `${service}: no answer within ${timeout / 1000} s`);
      throw e;
    }
    const contentType = res.headers.get("content-type") ?? "no content type";
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const err = (body?.error ?? {}) as { status?: string; message?: string };
      const code = GRPC_STATUS.indexOf(err.status ?? "");
      throw new GcpApiError(
        code > 0 ? code : httpToGrpc(res.status),
        err.message ??
          `${service}: HTTP ${res.status} with ${body ? "a JSON body" : text.trim() === "" ? "an empty body" : /html/i.test(contentType) ? "an HTML page" : "a non-JSON body"} (${contentType})`,
      );
    }
    if (!body)
      throw new GcpApiError(
        13,
        `${service}: HTTP ${res.status} with a body that is not JSON (${contentType}${/html/i.test(contentType) ? ", an HTML page" : ""})`,
      );
    return body;
  }
}

function hostPort(ep: GcpEndpoint): string {
  const host = ep.host.includes(":") ? `[${ep.host}]` : ep.host;
  return ep.port ? `${host}:${ep.port}` : host;
}

function httpToGrpc(status: number): number {
  if (status === 403) return 7;
  if (status === 404) return 5;
  if (status === 401) return 16;
  if (status === 429) return 8;
  if (status >= 500) return 14;
  return 2;
}
