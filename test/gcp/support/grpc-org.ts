/**
 * A local Google Cloud double for end-to-end tests: a real gRPC server (@grpc/grpc-js, services loaded with
 * @grpc/proto-loader from the client packages' own build/protos plus google-gax's) serving Resource Manager
 * v3 (Organizations, Folders, Projects), OrgPolicy v2, Logging ConfigServiceV2 and Cloud KMS (with its IAMPolicy
 * and Locations mixins), and a small HTTP server for the REST-only APIs (Liens v1, Cloud Storage JSON, IAM v1,
 * Policy Analyzer v1). Lists page for real (page tokens, a small page size), and
 * any IAM policy can be replaced by a gRPC error (e.g. PERMISSION_DENIED) to test fail-closed behaviour.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { GcpCallSpec } from "../../../fixtures/lib/gcp.js";

const NODE_MODULES = fileURLToPath(new URL("../../../node_modules/", import.meta.url));
const pkgDir = (name: string) => join(NODE_MODULES, name);

export interface GrpcError {
  code: grpc.status;
  details: string;
}

type Obj = Record<string, unknown>;

export interface FakeOrg {
  organizations: Obj[];
  folders: Obj[];
  projects: Obj[];
  /** IAM policies by resource name (organizations/…, folders/…, projects/NUMBER), or an error to raise. */
  policies: Record<string, Obj | GrpcError>;
  /** Effective org policies by policy name (projects/NUMBER/policies/CONSTRAINT). Missing: no rules. */
  orgPolicies: Record<string, Obj>;
  /** Log sinks by parent (organizations/ID). */
  sinks: Record<string, Obj[]>;
  /** Logging buckets by name (projects/P/locations/L/buckets/B). */
  logBuckets: Record<string, Obj>;
  /** Liens by parent (projects/NUMBER). */
  liens: Record<string, Obj[]>;
  /** Cloud Storage bucket resources by bucket name. */
  buckets: Record<string, Obj>;
  pageSize: number;
  /**
   * Answers of the access-depth APIs (IAM v1 and Policy Analyzer REST, Cloud KMS gRPC), as the demo's
   * recorded calls of fixtures/gcp/demo-src/access-depth.ts: served by request (path and query / message).
   */
  accessDepth?: GcpCallSpec[];
}

export interface RunningOrg {
  grpcPort: number;
  restPort: number;
  /** Every gRPC request received: `Service.Method` and the request. */
  requests: { method: string; request: Obj }[];
  stop(): Promise<void>;
}

function isError(v: unknown): v is GrpcError {
  return typeof v === "object" && v !== null && "code" in v && "details" in v && !("bindings" in v);
}

function page<T>(items: T[], req: Obj, size: number): { items: T[]; nextPageToken: string } {
  const start = Number(req.pageToken || 0);
  const n = Number(req.pageSize) > 0 ? Number(req.pageSize) : size;
  const slice = items.slice(start, start + n);
  return { items: slice, nextPageToken: start + n < items.length ? String(start + n) : "" };
}

export async function startFakeOrg(org: FakeOrg): Promise<RunningOrg> {
  const includeDirs = [
    join(pkgDir("@google-cloud/resource-manager"), "build", "protos"),
    join(pkgDir("@google-cloud/org-policy"), "build", "protos"),
    join(pkgDir("@google-cloud/logging-api"), "build", "protos"),
    join(pkgDir("@google-cloud/kms"), "build", "protos"),
    join(pkgDir("google-gax"), "build", "protos"),
  ];
  const def = await protoLoader.load(
    [
      "google/cloud/resourcemanager/v3/organizations.proto",
      "google/cloud/resourcemanager/v3/folders.proto",
      "google/cloud/resourcemanager/v3/projects.proto",
      "google/cloud/orgpolicy/v2/orgpolicy.proto",
      "google/logging/v2/logging_config.proto",
      "google/cloud/kms/v1/service.proto",
      "google/iam/v1/iam_policy.proto",
      "google/cloud/location/locations.proto",
    ],
    { includeDirs, keepCase: false, longs: String, enums: String, defaults: false, oneofs: true },
  );
  // biome-ignore lint/suspicious/noExplicitAny: proto-loader packages are untyped trees
  const pkg = grpc.loadPackageDefinition(def) as unknown as Record<string, any>;
  const rm = pkg.google.cloud.resourcemanager.v3;
  const requests: RunningOrg["requests"] = [];

  type Handler = (req: Obj) => Obj | GrpcError;
  const unary =
    (service: string, method: string, fn: Handler) =>
    (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
      requests.push({ method: `${service}.${method}`, request: call.request });
      try {
        const out = fn(call.request);
        if (isError(out)) cb({ code: out.code, details: out.details } as grpc.ServiceError);
        else cb(null, out);
      } catch (e) {
        cb({ code: grpc.status.INTERNAL, details: String(e) } as grpc.ServiceError);
      }
    };
  const notFound = (what: string): GrpcError => ({
    code: grpc.status.NOT_FOUND,
    details: `${what} not found.`,
  });
  const policy = (req: Obj) =>
    org.policies[String(req.resource)] ?? { version: 1, bindings: [], etag: Buffer.from("BwX") };

  const server = new grpc.Server();
  server.addService(rm.Organizations.service, {
    getOrganization: unary(
      "Organizations",
      "GetOrganization",
      (r) => org.organizations.find((o) => o.name === r.name) ?? notFound(String(r.name)),
    ),
    searchOrganizations: unary("Organizations", "SearchOrganizations", (r) => {
      const p = page(org.organizations, r, org.pageSize);
      return { organizations: p.items, nextPageToken: p.nextPageToken };
    }),
    getIamPolicy: unary("Organizations", "GetIamPolicy", policy),
  });
  server.addService(rm.Folders.service, {
    getFolder: unary(
      "Folders",
      "GetFolder",
      (r) => org.folders.find((f) => f.name === r.name) ?? notFound(String(r.name)),
    ),
    listFolders: unary("Folders", "ListFolders", (r) => {
      const p = page(
        org.folders.filter((f) => f.parent === r.parent),
        r,
        org.pageSize,
      );
      return { folders: p.items, nextPageToken: p.nextPageToken };
    }),
    getIamPolicy: unary("Folders", "GetIamPolicy", policy),
  });
  server.addService(rm.Projects.service, {
    getProject: unary(
      "Projects",
      "GetProject",
      (r) =>
        org.projects.find((p) => p.name === r.name || `projects/${p.projectId}` === r.name) ??
        notFound(String(r.name)),
    ),
    searchProjects: unary("Projects", "SearchProjects", (r) => {
      const q = String(r.query ?? "");
      const all = org.projects.filter((p) => !q.includes("state:ACTIVE") || p.state === "ACTIVE");
      const p = page(all, r, org.pageSize);
      return { projects: p.items, nextPageToken: p.nextPageToken };
    }),
    getIamPolicy: unary("Projects", "GetIamPolicy", policy),
    listProjects: unary("Projects", "ListProjects", (r) => {
      const children = org.projects.filter(
        (p) => p.parent === r.parent && (r.showDeleted === true || p.state === "ACTIVE"),
      );
      const p = page(children, r, org.pageSize);
      return { projects: p.items, nextPageToken: p.nextPageToken };
    }),
  });
  // Cloud KMS and its mixins (IAMPolicy, Locations on the same endpoint), answered from the recorded calls.
  const recorded = (service: string, operation: string, key: (input: Obj) => string) => {
    const byKey = new Map<string, GcpCallSpec>();
    for (const c of org.accessDepth ?? [])
      if (c.service === service && c.operation === operation) byKey.set(key(c.input as Obj), c);
    return (r: Obj): Obj | GrpcError => {
      const c = byKey.get(key(r));
      if (!c) return notFound(`${service}.${operation} ${key(r)}`);
      if (c.error) return { code: c.error.code as grpc.status, details: c.error.message };
      return c.output as Obj;
    };
  };
  const KMS = "KeyManagementServiceClient";
  server.addService(pkg.google.cloud.kms.v1.KeyManagementService.service, {
    listKeyRings: unary(
      "KeyManagementService",
      "ListKeyRings",
      recorded(KMS, "listKeyRings", (i) => String(i.parent)),
    ),
    listCryptoKeys: unary(
      "KeyManagementService",
      "ListCryptoKeys",
      recorded(KMS, "listCryptoKeys", (i) => String(i.parent)),
    ),
  });
  server.addService(pkg.google.iam.v1.IAMPolicy.service, {
    getIamPolicy: unary(
      "IAMPolicy",
      "GetIamPolicy",
      recorded(KMS, "getIamPolicy", (i) => String(i.resource)),
    ),
  });
  server.addService(pkg.google.cloud.location.Locations.service, {
    listLocations: unary(
      "Locations",
      "ListLocations",
      recorded("KmsLocationsClient", "listLocations", (i) => String(i.name)),
    ),
  });
  server.addService(pkg.google.cloud.orgpolicy.v2.OrgPolicy.service, {
    getEffectivePolicy: unary(
      "OrgPolicy",
      "GetEffectivePolicy",
      (r) => org.orgPolicies[String(r.name)] ?? { name: r.name, spec: { rules: [] } },
    ),
  });
  server.addService(pkg.google.logging.v2.ConfigServiceV2.service, {
    listSinks: unary("ConfigServiceV2", "ListSinks", (r) => {
      const p = page(org.sinks[String(r.parent)] ?? [], r, org.pageSize);
      return { sinks: p.items, nextPageToken: p.nextPageToken };
    }),
    getBucket: unary(
      "ConfigServiceV2",
      "GetBucket",
      (r) => org.logBuckets[String(r.name)] ?? notFound(String(r.name)),
    ),
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );

  const http: HttpServer = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/v1/liens") {
      const p = page(
        org.liens[url.searchParams.get("parent") ?? ""] ?? [],
        { pageToken: url.searchParams.get("pageToken") ?? "" },
        org.pageSize,
      );
      return send(200, {
        ...(p.items.length ? { liens: p.items } : {}),
        ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
      });
    }
    const b = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    if (b) {
      const bucket = org.buckets[decodeURIComponent(b[1]!)];
      if (!bucket)
        return send(404, {
          error: { code: 404, message: "The specified bucket does not exist.", errors: [] },
        });
      return send(200, bucket);
    }
    // IAM v1 and Policy Analyzer v1 (REST): the recorded answer of the same path and query.
    const query = Object.fromEntries(url.searchParams.entries());
    const answer = (org.accessDepth ?? []).find(
      (c) =>
        (c.service === "IamV1" || c.service === "PolicyAnalyzerV1") &&
        (c.input as { path?: string }).path === decodeURIComponent(url.pathname) &&
        JSON.stringify((c.input as { query?: Obj }).query ?? {}) === JSON.stringify(query),
    );
    if (answer?.error)
      return send(403, { error: { code: 403, message: answer.error.message, status: answer.error.name } });
    if (answer) return send(200, answer.output);
    send(404, { error: { code: 404, message: `no route ${url.pathname}`, status: "NOT_FOUND" } });
  });
  const restPort = await new Promise<number>((resolve) =>
    http.listen(0, "127.0.0.1", () => resolve((http.address() as AddressInfo).port)),
  );

  return {
    grpcPort,
    restPort,
    requests,
    stop: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
