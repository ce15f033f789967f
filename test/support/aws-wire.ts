/**
 * A local HTTP server on 127.0.0.1 that speaks the AWS wire protocols the catalogue's clients use, so the
 * real SDK clients (serializers, signers, retry strategy, HTTP handler, deserializers) run against it:
 *
 * - awsJson 1.0 / 1.1 (CloudTrail, CloudWatch, CloudWatch Logs, Config, KMS, Organizations, CodePipeline):
 *   POST with `X-Amz-Target: <Prefix>.<Operation>`; errors `{"__type": code, "message": …}`;
 * - awsQuery (IAM, STS): form body `Action=<Operation>`; answers `<OpResponse><OpResult>…`, errors
 *   `<ErrorResponse><Error><Code>…`;
 * - ec2Query (EC2): form body with `Version=2016-11-15`; answers `<OpResponse>…`, errors
 *   `<Response><Errors><Error>…`;
 * - restXml (S3, S3 Control) and restJson (Access Analyzer): the operation from method and path.
 *
 * The test decides every answer (`handler`); `"hang"` never answers (the socket stays open until the
 * client gives up).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Protocol = "json" | "query" | "ec2" | "restXml" | "restJson";

export interface WireRequest {
  service: string;
  operation: string;
  protocol: Protocol;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Form parameters (query protocols) or the JSON body (json protocols). */
  params: Record<string, unknown>;
  body: string;
}

export type WireAnswer = { status: number; headers?: Record<string, string>; body: string } | "hang";

export type WireHandler = (req: WireRequest) => WireAnswer;

const JSON_PREFIXES: Record<string, string> = {
  CloudTrail_20131101: "CloudTrail",
  GraniteServiceVersion20100801: "CloudWatch",
  Logs_20140328: "CloudWatchLogs",
  StarlingDoveService: "ConfigService",
  TrentService: "KMS",
  AWSOrganizationsV20161128: "Organizations",
  CodePipeline_20150709: "CodePipeline",
  SWBExternalService: "SSOAdmin",
  AWSIdentityStore: "Identitystore", // the SDK client is IdentitystoreClient: recorded as Identitystore
};

/** REST routes: [service, operation, method, path pattern, query key that must be present]. */
const REST_ROUTES: [string, string, Protocol, string, RegExp, string?][] = [
  ["S3Control", "GetPublicAccessBlock", "restXml", "GET", /^\/v20180820\/configuration\/publicAccessBlock$/],
  ["S3", "GetBucketLocation", "restXml", "GET", /^\/[^/]+\/?$/, "location"],
  ["S3", "GetPublicAccessBlock", "restXml", "GET", /^\/[^/]+\/?$/, "publicAccessBlock"],
  ["S3", "GetBucketLogging", "restXml", "GET", /^\/[^/]+\/?$/, "logging"],
  ["S3", "GetBucketVersioning", "restXml", "GET", /^\/[^/]+\/?$/, "versioning"],
  ["S3", "GetObjectLockConfiguration", "restXml", "GET", /^\/[^/]+\/?$/, "object-lock"],
  ["S3", "PutObject", "restXml", "PUT", /^\/[^/]+\/.+$/],
  // EKS, GuardDuty and Security Hub (restJson1): the paths of their API references.
  [
    "EKS",
    "ListAssociatedAccessPolicies",
    "restJson",
    "GET",
    /^\/clusters\/[^/]+\/access-entries\/[^/]+\/access-policies$/,
  ],
  ["EKS", "ListAccessEntries", "restJson", "GET", /^\/clusters\/[^/]+\/access-entries$/],
  ["EKS", "DescribeCluster", "restJson", "GET", /^\/clusters\/[^/]+$/],
  ["EKS", "ListClusters", "restJson", "GET", /^\/clusters$/],
  ["GuardDuty", "GetAdministratorAccount", "restJson", "GET", /^\/detector\/[^/]+\/administrator$/],
  ["GuardDuty", "ListMembers", "restJson", "GET", /^\/detector\/[^/]+\/member$/],
  ["GuardDuty", "GetDetector", "restJson", "GET", /^\/detector\/[^/]+$/],
  ["GuardDuty", "ListDetectors", "restJson", "GET", /^\/detector$/],
  ["SecurityHub", "DescribeHub", "restJson", "GET", /^\/accounts$/],
  ["AccessAnalyzer", "ListAnalyzers", "restJson", "GET", /^\/analyzer$/],
];

export function identify(
  method: string,
  url: URL,
  headers: IncomingMessage["headers"],
  body: string,
): Omit<WireRequest, "headers" | "body" | "method" | "path"> {
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    const [prefix, operation] = target.split(".") as [string, string];
    let params: Record<string, unknown> = {};
    try {
      params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {}
    return { service: JSON_PREFIXES[prefix] ?? prefix, operation, protocol: "json", params };
  }
  if (method === "POST" && /x-www-form-urlencoded/.test(String(headers["content-type"] ?? ""))) {
    const form = Object.fromEntries(new URLSearchParams(body));
    const version = form.Version;
    const service =
      version === "2016-11-15"
        ? "EC2"
        : version === "2011-06-15"
          ? "STS"
          : version === "2010-05-08"
            ? "IAM"
            : "?";
    return {
      service,
      operation: form.Action ?? "?",
      protocol: service === "EC2" ? "ec2" : "query",
      params: form,
    };
  }
  for (const [service, operation, protocol, m, path, key] of REST_ROUTES) {
    if (m !== method || !path.test(url.pathname)) continue;
    const subresources = [...url.searchParams.keys()].filter((k) => k !== "x-id");
    if (key ? !url.searchParams.has(key) : service === "S3" && subresources.length > 0) continue;
    return { service, operation, protocol, params: Object.fromEntries(url.searchParams) };
  }
  return { service: "?", operation: `${method} ${url.pathname}`, protocol: "restJson", params: {} };
}

const XMLNS: Record<string, string> = {
  IAM: "https://iam.amazonaws.com/doc/2010-05-08/",
  STS: "https://sts.amazonaws.com/doc/2011-06-15/",
  EC2: "http://ec2.amazonaws.com/doc/2016-11-15/",
};

/** A successful answer in the request's protocol: `inner` is XML for XML protocols, an object for JSON. */
export function ok(req: WireRequest, inner: string | Record<string, unknown> = {}): WireAnswer {
  switch (req.protocol) {
    case "json":
      return {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify(inner),
      };
    case "restJson":
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(inner) };
    case "query":
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<${req.operation}Response xmlns="${XMLNS[req.service]}"><${req.operation}Result>${inner}</${req.operation}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${req.operation}Response>`,
      };
    case "ec2":
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<${req.operation}Response xmlns="${XMLNS.EC2}"><requestId>req-1</requestId>${inner}</${req.operation}Response>`,
      };
    case "restXml":
      return { status: 200, headers: { "content-type": "application/xml" }, body: String(inner) };
  }
}

/** An AWS error document in the request's protocol. */
export function awsError(req: WireRequest, status: number, code: string, message: string): WireAnswer {
  const xml = { "content-type": "text/xml", "x-amzn-requestid": "req-err" };
  switch (req.protocol) {
    case "json":
      return {
        status,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-err" },
        body: JSON.stringify({ __type: code, message }),
      };
    case "restJson":
      return {
        status,
        headers: {
          "content-type": "application/json",
          "x-amzn-errortype": code,
          "x-amzn-requestid": "req-err",
        },
        body: JSON.stringify({ message }),
      };
    case "query":
      return {
        status,
        headers: xml,
        body: `<ErrorResponse xmlns="${XMLNS[req.service]}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`,
      };
    case "ec2":
      return {
        status,
        headers: xml,
        body: `<Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>req-err</RequestID></Response>`,
      };
    case "restXml":
      return {
        status,
        headers: xml,
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>req-err</RequestId></Error>`,
      };
  }
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface WireServer {
  endpoint: string;
  /** Every request seen, as `Service:Operation`. */
  seen: string[];
  requests: WireRequest[];
  close(): Promise<void>;
}

export async function startWireServer(handler: WireHandler): Promise<WireServer> {
  const seen: string[] = [];
  const requests: WireRequest[] = [];
  const hung = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const id = identify(req.method ?? "GET", url, req.headers, body);
      const wire: WireRequest = {
        ...id,
        method: req.method ?? "GET",
        path: url.pathname,
        headers: req.headers,
        body,
      };
      seen.push(`${id.service}:${id.operation}`);
      requests.push(wire);
      let answer: WireAnswer;
      try {
        answer = handler(wire);
      } catch (e) {
        answer = { status: 599, body: String(e) };
      }
      if (answer === "hang") {
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hung) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
