/**
 * The CLI's SDK bundle (scripts/bundle-sdk.mjs → dist/bundle/aws-sdk.cjs, read by the CLI bundle's
 * requireSdk, src/providers/aws/sdk/require-bundled.ts):
 * - the schema rewrite that lets esbuild drop unused shapes gives the same values (and leaves alone what it
 *   must: `__proto__` keys, a bit-or inside a larger expression);
 * - the names come from src/providers/aws/sdk/'s modules, and a module of another form fails the build;
 * - the bundle holds exactly those packages and names, and its clients build the same HTTP requests and read
 *   the same responses and errors as the packages in node_modules, one protocol of each kind the CLI uses;
 * - requireSdk from the bundle refuses a package the bundle does not hold (no second @smithy/core).
 * Needs `npm run build` (the bundle is built output, as the CLI tests need bin/'s dist/).
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import {
  LAZY_BUILTIN_MODULES,
  lazyBuiltinModule,
  sdkImports,
  treeShakableSchemas,
} from "../../scripts/bundle-sdk.mjs";
import { requireSdk, SDK_BUNDLE } from "../../src/providers/aws/sdk/require-bundled.js";

// biome-ignore lint/suspicious/noExplicitAny: SDK clients, commands and their outputs, from two copies
type Any = any;

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SDK_DIR = join(ROOT, "dist", "providers", "aws", "sdk");
const scratch = mkdtempSync(join(tmpdir(), "itgc-sdk-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Evaluates a schema module's `export var` statements (no imports) in one context; returns what they bind. */
const context = createContext({ x: 3 });
function evaluate(source: string): Record<string, unknown> {
  const names = [...source.matchAll(/^export var (\w+\$?)/gm)].map((m) => m[1] as string);
  const body = `(() => {\n${source.replaceAll("export var ", "var ")}\nreturn { ${names.join(", ")} };\n})()`;
  return runInContext(body, context) as Record<string, unknown>;
}

describe("SDK bundle: the schema rewrite", () => {
  const source = [
    'const _xN = "xmlName";',
    'const _eQN = "ec2QueryName";',
    'const _p = "__proto__";',
    'const _q = "has\\"quote";',
    'const n0 = "com.amazonaws.ec2";',
    "export var Shape$ = [3, n0, _xN, 0, [_eQN], [[0, { [_xN]: `a`, [_eQN]: `B` }], 64 | 0, [128 | 1]]];",
    "export var Proto$ = { [_p]: 1, [_xN]: 2 };",
    "export var Quoted$ = { [_q]: 1 };",
    "export var Product$ = [x * 64 | 0, 2 | 4 + 1];",
  ].join("\n");
  const rewritten = treeShakableSchemas(source);

  it("writes bound string keys and stand-alone bit-or's of literals as literals, and nothing else", () => {
    expect(rewritten).toContain('{ "xmlName": `a`, "ec2QueryName": `B` }');
    expect(rewritten).toContain("], 64, [129]]]");
    expect(rewritten).toContain("{ [_p]: 1, "); // `__proto__` as a literal key would set the prototype
    expect(rewritten).toContain("{ [_q]: 1 }"); // a string with an escape is not read
    expect(rewritten).toContain("[x * 64 | 0, 2 | 4 + 1]"); // `|` of a larger expression
  });

  it("gives the same values", () => {
    const before = evaluate(source);
    const after = evaluate(rewritten);
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    expect(after).toEqual(before);
    const proto = after.Proto$ as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.getPrototypeOf(before.Proto$));
    expect(Object.keys(proto)).toEqual(["__proto__", "xmlName"]);
  });
});

describe("SDK bundle: which names", () => {
  it("reads them from the SDK modules and fails on a module of another form", () => {
    const dir = join(scratch, "sdk");
    mkdirSync(dir);
    writeFileSync(join(dir, "require.js"), "export function requireSdk(id) { return require(id); }\n");
    writeFileSync(
      join(dir, "client-x.js"),
      'import { requireSdk } from "./require.js";\nconst sdk = requireSdk("@aws-sdk/client-x");\n' +
        "export const { XClient, GetThingCommand, } = sdk;\n",
    );
    writeFileSync(join(dir, "other.js"), "export const unrelated = 1;\n");
    expect(sdkImports(dir)).toEqual([
      { package: "@aws-sdk/client-x", names: ["XClient", "GetThingCommand"] },
    ]);
    writeFileSync(
      join(dir, "client-y.js"),
      'const y = requireSdk("@aws-sdk/client-y");\nexport default y;\n',
    );
    expect(() => sdkImports(dir)).toThrow(/client-y\.js: an SDK module must be/);
  });

  it("takes every package src/providers/aws/sdk/ requires", () => {
    const src = join(ROOT, "src", "providers", "aws", "sdk");
    const required = readdirSync(src)
      .filter((f) => f.endsWith(".ts") && !f.startsWith("require"))
      .flatMap((f) => [...readFileSync(join(src, f), "utf8").matchAll(/requireSdk\("([^"]+)"\)/g)])
      .map((m) => m[1])
      .sort();
    expect(
      sdkImports(SDK_DIR)
        .map((i) => i.package)
        .sort(),
    ).toEqual(required);
    expect(required.length).toBeGreaterThanOrEqual(20);
  });
});

describe("SDK bundle: the built file", () => {
  const bundled = (require(SDK_BUNDLE) as { packages: Record<string, Record<string, Any>> }).packages;
  const imports = sdkImports(SDK_DIR) as { package: string; names: string[] }[];

  it("holds exactly the packages and names of the SDK modules, of the same kinds as node_modules'", () => {
    expect(Object.keys(bundled).sort()).toEqual(imports.map((i) => i.package).sort());
    for (const { package: pkg, names } of imports) {
      const real = require(pkg) as Record<string, Any>;
      expect(Object.keys(bundled[pkg] ?? {}).sort(), pkg).toEqual([...names].sort());
      for (const name of names) {
        const value = bundled[pkg]?.[name];
        expect(typeof value, `${pkg} ${name}`).toBe(typeof real[name]);
        expect(typeof value, `${pkg} ${name}`).toBe("function");
        expect(value).not.toBe(real[name]); // the bundle's own copy, not node_modules'
      }
    }
  });

  /** What a client sends for `input`, and what it makes of `response` (or the error it throws). */
  async function exchange(pkg: string, client: string, command: string, input: object, response: Any) {
    const one = async (sdk: Record<string, Any>) => {
      let request: Any;
      const c = new sdk[client]({
        region: "eu-west-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 1,
        requestHandler: {
          handle: async (req: Any) => {
            request = req;
            return { response: { statusCode: 200, ...response, body: Buffer.from(response.body) } };
          },
        },
      });
      let output: Any;
      try {
        output = await c.send(new sdk[command](input));
      } catch (e) {
        const err = e as Any;
        output = {
          error: err.name,
          message: err.message,
          fault: err.$fault,
          service: err instanceof sdk.ServiceException,
        };
      }
      const {
        authorization: _a,
        "x-amz-date": _d,
        "amz-sdk-invocation-id": _i,
        ...headers
      } = request.headers as Record<string, string>;
      const { body, method, hostname, path, query } = request;
      // The body's bytes as text (a JSON protocol's body is a Uint8Array the SDK warns about when it is
      // read as a string).
      const text = typeof body === "string" ? body : body ? new TextDecoder().decode(body as Uint8Array) : "";
      return { request: { method, hostname, path, query, headers, body: text }, output };
    };
    // The one difference: the user agent's version. The bundle's (dist-es) reads the package's package.json;
    // each package's dist-cjs has the release before it written in (client-ec2 3.1169.0 says 3.1168.0).
    const installed = (require(`${pkg}/package.json`) as { version: string }).version;
    const sdkVersion = /(aws-sdk-js\/|api\/[\w-]+#)\d+\.\d+\.\d+/g;
    const sameVersion = (r: Any) => {
      for (const h of ["user-agent", "x-amz-user-agent"])
        r.request.headers[h] = r.request.headers[h].replace(sdkVersion, "$1VERSION");
      return r;
    };
    const smithy = bundled["@smithy/smithy-client"] as Record<string, Any>;
    const fromBundle = await one({ ...bundled[pkg], ServiceException: smithy.ServiceException });
    expect(fromBundle.request.headers["x-amz-user-agent"]).toBe(`aws-sdk-js/${installed}`);
    const fromModules = await one({
      ...(require(pkg) as object),
      ServiceException: (require("@smithy/smithy-client") as Any).ServiceException,
    });
    return { fromBundle: sameVersion(fromBundle), fromModules: sameVersion(fromModules) };
  }

  const xml = { "content-type": "text/xml" };
  const json = (t: string) => ({ "content-type": t });
  const CASES: [string, string, string, string, object, Any][] = [
    [
      "EC2 (ec2 query)",
      "@aws-sdk/client-ec2",
      "EC2Client",
      "DescribeVpcsCommand",
      { MaxResults: 5, Filters: [{ Name: "is-default", Values: ["true"] }] },
      {
        headers: xml,
        body:
          "<DescribeVpcsResponse><requestId>r</requestId><vpcSet><item><vpcId>vpc-1</vpcId>" +
          "<isDefault>true</isDefault><cidrBlock>10.0.0.0/16</cidrBlock></item></vpcSet></DescribeVpcsResponse>",
      },
    ],
    [
      "IAM (aws query)",
      "@aws-sdk/client-iam",
      "IAMClient",
      "GetAccountSummaryCommand",
      {},
      {
        headers: xml,
        body:
          "<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap><entry><key>Users</key>" +
          "<value>3</value></entry><entry><key>AccountMFAEnabled</key><value>1</value></entry></SummaryMap>" +
          "</GetAccountSummaryResult></GetAccountSummaryResponse>",
      },
    ],
    [
      "S3 (rest XML)",
      "@aws-sdk/client-s3",
      "S3Client",
      "GetBucketVersioningCommand",
      { Bucket: "alpha" },
      {
        headers: xml,
        body: "<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>",
      },
    ],
    [
      "CloudTrail (JSON 1.1)",
      "@aws-sdk/client-cloudtrail",
      "CloudTrailClient",
      "DescribeTrailsCommand",
      { includeShadowTrails: false },
      {
        headers: json("application/x-amz-json-1.1"),
        body: JSON.stringify({ trailList: [{ Name: "t", IsMultiRegionTrail: true, S3BucketName: "b" }] }),
      },
    ],
    [
      "Security Hub (rest JSON)",
      "@aws-sdk/client-securityhub",
      "SecurityHubClient",
      "DescribeHubCommand",
      { HubArn: "arn:aws:securityhub:eu-west-1:111122223333:hub/default" },
      {
        headers: json("application/json"),
        body: JSON.stringify({
          HubArn: "arn:x",
          SubscribedAt: "2026-01-01T00:00:00Z",
          AutoEnableControls: true,
        }),
      },
    ],
    [
      "KMS, a modelled error",
      "@aws-sdk/client-kms",
      "KMSClient",
      "DescribeKeyCommand",
      { KeyId: "alias/missing" },
      {
        statusCode: 400,
        headers: { ...json("application/x-amz-json-1.1"), "x-amzn-requestid": "r" },
        body: JSON.stringify({ __type: "NotFoundException", message: "Alias alias/missing is not found." }),
      },
    ],
    [
      "EC2, an error",
      "@aws-sdk/client-ec2",
      "EC2Client",
      "DescribeRegionsCommand",
      {},
      {
        statusCode: 403,
        headers: xml,
        body:
          "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized" +
          "</Message></Error></Errors><RequestID>r</RequestID></Response>",
      },
    ],
  ];

  it.each(CASES)(
    "%s: the same request, output and errors as node_modules'",
    async (_n, pkg, client, command, input, response) => {
      const { fromBundle, fromModules } = await exchange(pkg, client, command, input, response);
      expect(fromBundle).toEqual(fromModules);
      if (response.statusCode)
        expect(fromBundle.output).toMatchObject({ service: true, error: expect.any(String) });
      else expect(fromBundle.output.$metadata.httpStatusCode).toBe(200);
    },
  );

  it("loads node:https and node:http only when a request handler first needs them", () => {
    // Their re-exporting modules become a Proxy onto the builtin (only exact re-exports are rewritten).
    const https = LAZY_BUILTIN_MODULES.find((m) => m.builtin === "node:https")!;
    const lazy = lazyBuiltinModule('import node_https from "node:https";\nexport { node_https };\n', https);
    expect(lazy).toContain('require("node:https")');
    expect(lazyBuiltinModule('import node_https from "node:https";\nexport const x = 1;\n', https)).toBe(
      undefined,
    );
    // In a fresh process: loading the bundle loads neither; the SDK's own handler, sending a request
    // over HTTP to a local server, creates its https.Agent through the Proxy (an instanceof check and a `new`).
    const script = `
      const http = require("node:http");
      const sdk = require(${JSON.stringify(SDK_BUNDLE)}).packages;
      const loaded = (m) => process.moduleLoadList.includes("NativeModule " + m);
      const before = { https: loaded("https"), tls: loaded("tls") };
      const server = http.createServer((req, res) => {
        res.setHeader("content-type", "text/xml");
        res.end('<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>' +
          '<Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>AIDA</UserId></GetCallerIdentityResult>' +
          '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>');
      });
      server.listen(0, "127.0.0.1", async () => {
        const { STSClient, GetCallerIdentityCommand } = sdk["@aws-sdk/client-sts"];
        const client = new STSClient({ region: "eu-west-1", endpoint: "http://127.0.0.1:" + server.address().port,
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 });
        const out = await client.send(new GetCallerIdentityCommand({}));
        client.destroy();
        server.close();
        process.stdout.write(JSON.stringify({ before, account: out.Account, after: loaded("https") }));
      });
    `;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    expect(out).toEqual({ before: { https: false, tls: false }, account: "123456789012", after: true });
  });

  it("the bundle's requireSdk refuses a package it does not hold", () => {
    expect(requireSdk<Record<string, unknown>>("@aws-sdk/client-iam").IAMClient).toBe(
      bundled["@aws-sdk/client-iam"]?.IAMClient,
    );
    expect(() => requireSdk("@aws-sdk/client-account")).toThrow(/not in the CLI's SDK bundle/);
  });
});
