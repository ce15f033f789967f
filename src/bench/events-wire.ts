/**
 * A local AWS endpoint (HTTP on 127.0.0.1) for the event-population benchmark: the measured run is a *live*
 * run (`--endpoint`), so every LookupEvents page goes through the real SDK — serializer, SigV4 signer, retry
 * strategy, HTTP handler, the run's JSON 1.1 reader of LookupEvents answers (providers/aws/cloudtrail-protocol.ts)
 * — and the session's rate limiter, exactly as against AWS.
 * It answers only what that run sends:
 *
 * - STS GetCallerIdentity / AssumeRole (awsQuery, XML). AssumeRole mints an access key that names the member
 *   account (`ASIA<account>BNCH`), so the server knows which account's event history a signed LookupEvents
 *   asks for, as AWS knows it from the credentials;
 * - Organizations ListAccounts (JSON 1.1, pages of 20 as the API's maximum);
 * - CloudTrail LookupEvents (JSON 1.1): `events` write events per account-region for the ReadOnly=false
 *   lookup (newest first, 50 a page, filtered by StartTime/EndTime), every other lookup an empty page. The
 *   events are the benchmark world's (world.ts syntheticEvent), `EventTime` in epoch seconds and
 *   `CloudTrailEvent` the JSON string, as the API answers.
 *
 * Anything else is a 400 `UnknownOperationException`, so a call the bench did not plan for fails the run
 * loudly. The server runs in its own process (event-scenarios.ts, forked by events.ts), so generating the
 * answers — AWS's work — is neither on the measured process's CPU nor on its event loop.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { eventHex, syntheticEvent, type World } from "./world.js";

/** The base session's access key (the caller, the management account). */
export const CALLER_ACCESS_KEY = "AKIABENCHCALLER00000";
export const CALLER_SECRET = "bench-caller-secret-key-not-a-real-one";
const MEMBER_KEY = /^ASIA(\d{12})BNCH$/;

const EVENT_PAGE = 50;
const ACCOUNTS_PAGE = 20;
/** Events spread over 89 days before the server started, so all of them fall in a run's last 90 days. */
const SPAN_MS = 89 * 86_400_000;

export interface WireStats {
  requests: Record<string, number>;
  bytesOut: number;
}

export interface EventsWireServer {
  endpoint: string;
  stats: WireStats;
  close(): Promise<void>;
}

function requestId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** The account whose credentials signed the request (SigV4 `Credential=<key>/<date>/<region>/…`). */
function signer(req: IncomingMessage, w: World): { account: string; region: string } {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ""));
  if (!m) throw new Error("unsigned request");
  const key = m[1]!;
  const member = MEMBER_KEY.exec(key);
  const account = key === CALLER_ACCESS_KEY ? w.caller : member?.[1];
  if (!account || !w.accounts.includes(account)) throw new Error(`unknown access key ${key}`);
  return { account, region: m[2]! };
}

/**
 * `pageSize`: events per LookupEvents page (the API returns at most MaxResults = 50; fewer is allowed and
 * happens) — smaller pages only in the diagnostic scenario that separates the rate bound from CPU.
 */
export function startEventsWireServer(
  w: World,
  pageSize = EVENT_PAGE,
  /** Tests: LookupEvents pages (0-based) that answer ThrottlingException every time they are asked. */
  throttled?: (account: string, region: string, page: number) => boolean,
): Promise<EventsWireServer> {
  const stats: WireStats = { requests: {}, bytesOut: 0 };
  let n = 0;
  const newest = Date.now() - 60_000;
  const world: World = { ...w, recordedAt: new Date(newest).toISOString() };

  const send = (res: ServerResponse, status: number, type: string, text: string) => {
    // Encoded once: its length is the content-length (a page is ≈ 75 KB).
    const body = Buffer.from(text);
    stats.bytesOut += body.length;
    res.writeHead(status, {
      "content-type": type,
      "x-amzn-requestid": requestId(++n),
      "content-length": body.length,
    });
    res.end(body);
  };
  const json = (res: ServerResponse, body: unknown) =>
    send(res, 200, "application/x-amz-json-1.1", JSON.stringify(body));
  const xml = (res: ServerResponse, op: string, result: string) =>
    send(
      res,
      200,
      "text/xml",
      `<${op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${op}Result>${result}</${op}Result>` +
        `<ResponseMetadata><RequestId>${requestId(n + 1)}</RequestId></ResponseMetadata></${op}Response>`,
    );
  const error = (res: ServerResponse, code: string, message: string) =>
    send(res, 400, "application/x-amz-json-1.1", JSON.stringify({ __type: code, message }));

  const events = eventWriter(world, SPAN_MS);

  function lookupEvents(
    res: ServerResponse,
    account: string,
    region: string,
    input: Record<string, unknown>,
  ) {
    const attr = (
      input.LookupAttributes as { AttributeKey: string; AttributeValue: string }[] | undefined
    )?.[0];
    const total = attr?.AttributeKey === "ReadOnly" && attr.AttributeValue === "false" ? (w.events ?? 0) : 0;
    const from = typeof input.StartTime === "number" ? input.StartTime * 1000 : -Infinity;
    const to = typeof input.EndTime === "number" ? input.EndTime * 1000 : Infinity;
    let i = typeof input.NextToken === "string" ? Number(input.NextToken.replace(/^p/, "")) : 0;
    if (throttled?.(account, region, Math.floor(i / pageSize)))
      return error(res, "ThrottlingException", "Rate exceeded");
    const Events: string[] = [];
    for (; i < total && Events.length < pageSize; i++) {
      const t = events.time(i);
      if (t > to) continue;
      if (t < from) {
        i = total; // newest first: everything after this one is older still
        break;
      }
      Events.push(events.json(account, region, i));
    }
    const next = i < total ? `,"NextToken":${JSON.stringify(`p${i}`)}` : "";
    send(res, 200, "application/x-amz-json-1.1", `{"Events":[${Events.join(",")}]${next}}`);
  }

  function listAccounts(res: ServerResponse, input: Record<string, unknown>) {
    const start = typeof input.NextToken === "string" ? Number(input.NextToken.replace(/^p/, "")) : 0;
    const ids = w.accounts.slice(start, start + ACCOUNTS_PAGE);
    json(res, {
      Accounts: ids.map((id, k) => ({
        Id: id,
        Arn: `arn:aws:organizations::${w.caller}:account/o-bench12345/${id}`,
        Email: `aws+${id}@example.com`,
        Name: id === w.caller ? "management" : `workload-${start + k}`,
        Status: "ACTIVE",
        State: "ACTIVE",
        JoinedMethod: id === w.caller ? "INVITED" : "CREATED",
        JoinedTimestamp: Math.floor((newest - 700 * 86_400_000) / 1000),
      })),
      ...(start + ACCOUNTS_PAGE < w.accounts.length ? { NextToken: `p${start + ACCOUNTS_PAGE}` } : {}),
    });
  }

  function sts(res: ServerResponse, account: string, form: URLSearchParams) {
    const action = form.get("Action");
    if (action === "GetCallerIdentity")
      return xml(
        res,
        action,
        `<Arn>arn:aws:iam::${account}:user/bench-auditor</Arn><UserId>AIDABENCHAUDITOR</UserId><Account>${account}</Account>`,
      );
    if (action === "AssumeRole") {
      const target = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(form.get("RoleArn") ?? "");
      if (!target || !w.accounts.includes(target[1]!))
        return send(
          res,
          403,
          "text/xml",
          `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>`,
        );
      const session = form.get("RoleSessionName") ?? "bench";
      return xml(
        res,
        action,
        `<Credentials><AccessKeyId>ASIA${target[1]}BNCH</AccessKeyId>` +
          `<SecretAccessKey>bench-member-secret-${target[1]}</SecretAccessKey>` +
          `<SessionToken>bench-session-token-${target[1]}</SessionToken>` +
          `<Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROABENCHAUDIT:${session}</AssumedRoleId>` +
          `<Arn>arn:aws:sts::${target[1]}:assumed-role/${target[2]}/${session}</Arn></AssumedRoleUser>`,
      );
    }
    return error(res, "UnknownOperationException", `STS ${action} is not served by the bench endpoint`);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const target = String(req.headers["x-amz-target"] ?? "");
      try {
        const { account, region } = signer(req, w);
        const op = target ? target.split(".").at(-1)! : (new URLSearchParams(body).get("Action") ?? "?");
        stats.requests[op] = (stats.requests[op] ?? 0) + 1;
        // Progress of a long run, for whoever watches it (ITGC_BENCH_PROGRESS=N: a line every N pages).
        const every = Number(process.env.ITGC_BENCH_PROGRESS ?? 0);
        if (every > 0 && op === "LookupEvents" && stats.requests[op] % every === 0)
          process.stderr.write(
            `events endpoint: ${stats.requests[op]} LookupEvents pages served at ${new Date().toISOString()}\n`,
          );
        if (target === "CloudTrail_20131101.LookupEvents")
          return lookupEvents(res, account, region, JSON.parse(body || "{}"));
        if (target === "AWSOrganizationsV20161128.ListAccounts")
          return listAccounts(res, JSON.parse(body || "{}"));
        if (!target) return sts(res, account, new URLSearchParams(body));
        return error(res, "UnknownOperationException", `${target} is not served by the bench endpoint`);
      } catch (e) {
        return error(res, "UnrecognizedClientException", (e as Error).message);
      }
    });
  });
  // Many account-regions at once keep their connections: no idle cut-off during a long run.
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        stats,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * LookupEvents' Event members of the bench world, written as JSON text directly: the same bytes as
 * `JSON.stringify({ ...syntheticEvent(w, account, region, i, span), EventTime: seconds })` (world.ts; checked
 * by test/period/lookup-events-wire.test.ts), at a fraction of the endpoint's CPU. The endpoint is AWS's side,
 * but it runs on the two cores the measured run needs: building each event as objects and serialising it
 * twice was ≈ 2 ms a page, then ≈ 12 µs an event with the record written as text and JSON-quoted (a sha256
 * for each event id, the record's escaping, the timestamps). Now:
 * - what does not depend on the account — the times, the security group, the request id, and the record's
 *   text between the account-dependent parts, already escaped for its place inside the `CloudTrailEvent`
 *   string — is made once per event index (events-org-50x4 serves each index to 200 account-regions);
 * - the account, the region and the ids are inserted as they are: they are digits, hex and region names,
 *   which JSON writes unescaped (a value that would need escaping takes the slow path, the same bytes);
 * - the event id's hash is world.ts's eventHex (FNV-1a), not sha256.
 */
export function eventWriter(w: World, span: number) {
  const newest = Date.parse(w.recordedAt);
  const count = w.events ?? 1;
  const timeOf = (i: number) => newest - Math.floor(((i + 0.5) * span) / count);
  /** Event index → its account-independent parts (only while few: a one-region history is read once). */
  const byIndex = new Map<number, IndexParts>();
  const cache = count <= 20_000;
  const partsOf = (i: number): IndexParts => {
    let p = byIndex.get(i);
    if (p) return p;
    p = indexParts(i, timeOf(i));
    if (cache) byIndex.set(i, p);
    return p;
  };
  return {
    /** Event i's time, epoch ms. */
    time: timeOf,
    json(account: string, region: string, i: number): string {
      if (!PLAIN_TEXT.test(account) || !PLAIN_TEXT.test(region))
        return JSON.stringify({
          ...syntheticEvent(w, account, region, i, span),
          EventTime: timeOf(i) / 1000,
        });
      const p = partsOf(i);
      const id = `${eventHex(`${account}${region}${i}`, 8)}-0000-4000-8000-${p.idTail}`;
      // Inside the CloudTrailEvent string, the record's quotes are escaped (\"): `e` is an escaped quote.
      const e = '\\"';
      const identity = p.human
        ? `{${e}type${e}:${e}IAMUser${e},${e}principalId${e}:${e}AIDABENCHUSER${e},${e}arn${e}:${e}arn:aws:iam::${account}:user/bench-admin${e},${e}accountId${e}:${e}${account}${e},${e}userName${e}:${e}bench-admin${e}}`
        : `{${e}type${e}:${e}AssumedRole${e},${e}principalId${e}:${e}AROABENCHROLE:run-${i}${e},${e}arn${e}:${e}arn:aws:sts::${account}:assumed-role/deploy-pipeline/run-${i}${e},${e}accountId${e}:${e}${account}${e},${e}sessionContext${e}:{${e}sessionIssuer${e}:{${e}type${e}:${e}Role${e},${e}principalId${e}:${e}AROABENCHROLE${e},${e}arn${e}:${e}arn:aws:iam::${account}:role/deploy-pipeline${e},${e}accountId${e}:${e}${account}${e},${e}userName${e}:${e}deploy-pipeline${e}},${e}attributes${e}:{${e}creationDate${e}:${e}${p.iso}${e},${e}mfaAuthenticated${e}:${e}false${e}}}}`;
      return (
        `{"EventId":"${id}"${p.head}"CloudTrailEvent":"{${e}eventVersion${e}:${e}1.09${e},${e}userIdentity${e}:${identity}` +
        `${p.middle}${region}${p.tail}${e}eventID${e}:${e}${id}${e},${e}readOnly${e}:false,${e}eventType${e}:${e}AwsApiCall${e},` +
        `${e}managementEvent${e}:true,${e}recipientAccountId${e}:${e}${account}${e},${e}eventCategory${e}:${e}Management${e}}"}`
      );
    },
  };
}

/** Values JSON writes as they are (no quote, backslash or control character), as the world's ids are. */
const PLAIN_TEXT = /^[A-Za-z0-9._:/-]*$/;

interface IndexParts {
  human: boolean;
  /** The event time with milliseconds (the session's creationDate). */
  iso: string;
  idTail: string;
  /** From after EventId to the CloudTrailEvent member (EventName … Resources), with their commas. */
  head: string;
  /** The record from eventTime to awsRegion's value (escaped). */
  middle: string;
  /** The record from after the region to requestID (escaped). */
  tail: string;
}

function indexParts(i: number, t: number): IndexParts {
  const e = '\\"';
  const iso = new Date(t).toISOString();
  const human = i % 20 === 7;
  const group = `sg-${eventHex(`${i}`, 17)}`;
  const request = `${eventHex(`r${i}`, 8)}-0000-4000-8000-000000000000`;
  return {
    human,
    iso,
    idTail: String(i).padStart(12, "0"),
    head:
      `,"EventName":"AuthorizeSecurityGroupIngress","ReadOnly":"false","EventTime":${JSON.stringify(t / 1000)},` +
      `"EventSource":"ec2.amazonaws.com","Username":"${human ? "bench-admin" : `run-${i}`}",` +
      `"Resources":[{"ResourceType":"AWS::EC2::SecurityGroup","ResourceName":"${group}"}],`,
    middle:
      `,${e}eventTime${e}:${e}${iso.replace(/\.\d{3}Z$/, "Z")}${e},${e}eventSource${e}:${e}ec2.amazonaws.com${e},` +
      `${e}eventName${e}:${e}AuthorizeSecurityGroupIngress${e},${e}awsRegion${e}:${e}`,
    tail:
      `${e},${e}sourceIPAddress${e}:${e}${human ? "203.0.113.9" : "codebuild.amazonaws.com"}${e},` +
      `${e}userAgent${e}:${e}${human ? "console.amazonaws.com" : "aws-sdk-js/3.600.0"}${e},` +
      `${e}requestParameters${e}:{${e}groupId${e}:${e}${group}${e},${e}ipPermissions${e}:{${e}items${e}:[{${e}ipProtocol${e}:${e}tcp${e},${e}fromPort${e}:443,${e}toPort${e}:443}]}},` +
      `${e}responseElements${e}:{${e}_return${e}:true},${e}requestID${e}:${e}${request}${e},`,
  };
}
