/**
 * An AWS session: the credentials of one account (the caller's, or an assumed role in a member account) and
 * the SDK clients built on them — one per (service, region), each carrying the run's middleware.
 * Clients are created when a query first asks for one and kept while among the run's most recently used
 * (client-cache.ts): a finished account's clients are released, and built again if a late call asks for one.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit, { type LimitFunction } from "p-limit";
import type { Recorder } from "../../recording/recorder.js";
import { registerSecret } from "../../recording/scrub.js";
import { RecentClients } from "./client-cache.js";
import { CloudTrailProtocol } from "./cloudtrail-protocol.js";
import { DEFAULT_CALL_TIMEOUT_MS } from "./defaults.js";
import { endpointOverride, pinEndpoint } from "./endpoints.js";
import {
  type AttemptStats,
  boundAccount,
  type CallAccount,
  type CallIdentity,
  type CallLimiter,
  type CallOutcome,
  itgcMiddleware,
  type ReplaySource,
  replayKey,
  type SessionInfo,
  sendFor,
  sendWhenPaced,
} from "./middleware.js";
import { RateLimits } from "./rate-limit.js";
import type { OperationAllowList } from "./read-only.js";
import { RunRetryStrategy } from "./retry.js";
import { replayRequestHandler } from "./sdk/replay-request-handler.js";
import { cacheStackOrder, type SdkStack } from "./stack-order-cache.js";
import { onlyWhenSent, trimStack } from "./stack-trim.js";

export interface AwsEnvironment {
  recorder: Recorder;
  replay?: ReplaySource;
  /**
   * Bounds attempts in flight over the whole run. Taken per attempt, not per call: a call waiting out a
   * retry backoff holds no run-wide slot, so throttling of one operation does not slow every other one.
   */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Calls in flight at once per account (default: unbounded below the run's limit). */
  accountConcurrency?: number;
  /** Calls in flight at once per account, region and API operation. */
  apiConcurrency?: number;
  maxAttempts: number;
  retryMode: "standard" | "adaptive";
  /** The exact operations the run may send (read-only.ts); without one, any declarable read. */
  allow?: OperationAllowList;
  /** Per attempt: connect and response (socket idle) timeout, ms. */
  callTimeoutMs?: number;
  /** Sockets per endpoint host in the run's connection pool (default: the SDK's 50). */
  socketsPerHost?: number;
  /** Retry backoff bases (ms), for tests that must not wait the SDK's defaults. */
  backoff?: { baseDelayMs?: number; throttlingDelayMs?: number; maxDelayMs?: number };
  /** Send every call to this endpoint (http://127.0.0.1:PORT); live mode also honours AWS_ENDPOINT_URL. */
  endpoint?: string;
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
  /** Per-attempt counters (throttles seen inside the retry loop). */
  stats?: AttemptStats;
  onOutcome?: (o: CallOutcome) => void;
  /** Requests per second per account and region, by `Service:Operation` (rate-limit.ts); none if absent. */
  rateLimits?: Readonly<Record<string, number>>;
  /**
   * Replay only: one SDK client per (service, region) for every account of the run, each call carrying its
   * account (see AwsSession.client). A replayed client holds nothing of its account — the credentials are
   * the replay's, the answers come from the recording by the call's account — so building one per account
   * only cost CPU and memory.
   */
  shareClientsAcrossAccounts?: boolean;
  /** State shared by the run's clients (the handler is filled by the first client). */
  shared?: { requestHandler?: unknown; recent?: RecentClients; clients?: Map<string, object> };
}

/**
 * Credentials used in replay mode. A request answered from the recording is not signed (stack-trim.ts); one
 * that a pass-through replay source sends to a local endpoint is signed with these.
 */
const REPLAY_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: "AKIAREPLAYREPLAYREPL",
  secretAccessKey: "replay-mode-credentials-never-sent",
};

// biome-ignore lint/suspicious/noExplicitAny: any AWS SDK v3 client constructor
export type ClientCtor<T> = new (config: any) => T;

/** SDK clients created by every session of this process (a diagnostic for the benchmark). */
let clientsCreated = 0;
export const awsClientsCreated = (): number => clientsCreated;

export class AwsSession implements SessionInfo {
  /** This session's clients still kept by the run (`recent`): a client let go is removed from here. */
  private readonly clients = new Map<string, object>();
  /** The run's recently used clients (shared by its sessions), or this session's own. */
  private readonly recent: RecentClients;
  private readonly accountLimit?: LimitFunction;
  private readonly apiLimits = new Map<string, LimitFunction>();
  private readonly limiter: CallLimiter | undefined;
  /** Per account (this session) and region: documented request rates, applied to every attempt. */
  private readonly rates: RateLimits | undefined;
  /** This account's calls: the session and its limits, as the middleware sees them. */
  private readonly callAccount: CallAccount;

  constructor(
    private readonly env: AwsEnvironment,
    private readonly credentials: AwsCredentialIdentityProvider | undefined,
    public accountId: string | undefined,
  ) {
    if (env.shared) env.shared.recent ??= new RecentClients();
    this.recent = env.shared?.recent ?? new RecentClients();
    if (env.rateLimits && Object.keys(env.rateLimits).length > 0) this.rates = new RateLimits(env.rateLimits);
    if (env.accountConcurrency) this.accountLimit = pLimit(env.accountConcurrency);
    if (env.accountConcurrency || env.apiConcurrency) {
      // Always acquired in the same order (API → account, then the run's per attempt), so limits cannot
      // deadlock each other. These two are held for the whole call, retries and their backoff included:
      // a throttled operation slows down itself (and its account), nothing else.
      this.limiter = (fn, call) => {
        const account = this.accountLimit ? () => this.accountLimit!(fn) : fn;
        if (!env.apiConcurrency) return account();
        const key = `${call.region}|${call.service}:${call.operation}`;
        let api = this.apiLimits.get(key);
        if (!api) {
          api = pLimit(env.apiConcurrency);
          this.apiLimits.set(key, api);
        }
        const limit = api;
        // An idle limiter is forgotten (the next call makes a new one, with nothing in flight either way):
        // kept, an organization run held one per account × region × operation to the end (≈ 150 KB an account).
        return limit(account).finally(() => {
          if (limit.activeCount === 0 && limit.pendingCount === 0 && this.apiLimits.get(key) === limit)
            this.apiLimits.delete(key);
        });
      };
    }
    const rates = this.rates;
    this.callAccount = {
      session: this,
      limit: this.limiter,
      rateLimit: rates ? (region, call) => rates.acquire(region, call.service, call.operation) : undefined,
    };
  }

  /** True when answers come from a recording: pollers need not wait between attempts. */
  get replaying(): boolean {
    return this.env.replay !== undefined;
  }

  client<T extends { middlewareStack: { use(p: unknown): void } }>(Ctor: ClientCtor<T>, region: string): T {
    if (this.env.replay && this.env.shareClientsAcrossAccounts) return this.sharedClient(Ctor, region);
    const key = `${Ctor.name}|${region}`;
    let client = this.clients.get(key) as T | undefined;
    if (!client) {
      client = this.build(Ctor, region, this.callAccount);
      this.clients.set(key, client);
    }
    const kept = client;
    this.recent.touch(client, () => {
      if (this.clients.get(key) === kept) this.clients.delete(key);
    });
    return client;
  }

  /**
   * This account's view of the run's one client for (service, region): the shared client itself for
   * everything (it is an instance of `Ctor`, so the SDK's paginators accept it), except that `send` binds
   * the command to this account first, so the middleware's limits, recorder and replay key are this
   * account's (middleware.ts, boundAccount).
   */
  private sharedClient<T extends { middlewareStack: { use(p: unknown): void } }>(
    Ctor: ClientCtor<T>,
    region: string,
  ): T {
    this.env.shared ??= {};
    this.env.shared.clients ??= new Map();
    const clients = this.env.shared.clients;
    const key = `${Ctor.name}|${region}`;
    type Sends = T & { send(command: object, ...rest: unknown[]): Promise<unknown> };
    let base = clients.get(key) as Sends | undefined;
    if (!base) {
      base = this.build(Ctor, region, boundAccount) as Sends;
      clients.set(key, base);
    }
    const shared = base;
    const account = this.callAccount;
    const view = Object.create(shared) as Sends;
    view.send = (command: object, ...rest: unknown[]) =>
      sendFor(command, account, () => shared.send(command, ...rest));
    return view;
  }

  /** A new SDK client carrying the run's middleware, its calls made for `account`. */
  private build<T extends { middlewareStack: { use(p: unknown): void } }>(
    Ctor: ClientCtor<T>,
    region: string,
    account: CallAccount | ((context: object) => CallAccount),
  ): T {
    clientsCreated++;
    const service = Ctor.name.replace(/Client$/, "");
    const endpoint = this.env.endpoint ?? (this.env.replay ? undefined : endpointOverride(service));
    const client = new Ctor({
      region,
      maxAttempts: this.env.maxAttempts,
      retryStrategy: new RunRetryStrategy({
        maxAttempts: this.env.maxAttempts,
        adaptive: this.env.retryMode === "adaptive",
        ...this.env.backoff,
      }),
      // One HTTP handler (connection pool) for every client of the run, instead of one per client; it
      // bounds every attempt (connect, and silence while waiting for the answer), so a hung call ends.
      // A pure replay sends nothing: no HTTP handler (sdk/replay-request-handler.ts says why).
      requestHandler:
        this.env.replay !== undefined && this.env.replay.passThrough === undefined
          ? replayRequestHandler
          : (this.env.shared?.requestHandler ?? {
              connectionTimeout: this.env.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
              requestTimeout: this.env.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
              // Without it the SDK only logs a warning and goes on waiting.
              throwOnRequestTimeout: true,
              ...(this.env.socketsPerHost
                ? {
                    httpAgent: { maxSockets: this.env.socketsPerHost },
                    httpsAgent: { maxSockets: this.env.socketsPerHost },
                  }
                : {}),
            }),
      // CloudTrail: LookupEvents' pages read by one JSON.parse (cloudtrail-protocol.ts says why and how).
      ...(service === "CloudTrail" ? { protocol: CloudTrailProtocol } : {}),
      // An endpoint override (a private endpoint, a local emulator) must reach every client unchanged:
      // no account-id or other host prefix in front of it, path-style S3 buckets.
      ...(endpoint ? { endpoint, disableHostPrefix: true, forcePathStyle: true } : {}),
      ...(this.env.replay
        ? // Replay never reads the user's AWS config files or environment for endpoint settings (it would
          // only cost time per client, and a replay must not depend on the machine it runs on).
          {
            credentials: REPLAY_CREDENTIALS,
            useFipsEndpoint: false,
            useDualstackEndpoint: false,
            authSchemePreference: [],
            // AWS_ENDPOINT_URL_<SERVICE> and `endpoint_url` in the config files: not read in replay.
            ignoreConfiguredEndpointUrls: true,
          }
        : this.credentials
          ? { credentials: registering(this.credentials) }
          : {}),
    });
    if (this.env.shared && !this.env.shared.requestHandler)
      this.env.shared.requestHandler = (
        client as unknown as { config: { requestHandler: unknown } }
      ).config.requestHandler;
    if (endpoint) pinEndpoint(client, service, endpoint);
    trimStack(
      client.middlewareStack as unknown as Parameters<typeof trimStack>[0],
      this.env.replay !== undefined && this.env.replay.passThrough === undefined,
    );
    const replay = this.env.replay;
    if (replay?.passThrough) {
      const passThrough = replay.passThrough.bind(replay);
      // The calls answered from the recording are not sent: only the passed-through ones are signed (and
      // get the user-agent header, whose app id the SDK looks up in the environment and config per call).
      onlyWhenSent(
        client.middlewareStack as unknown as Parameters<typeof onlyWhenSent>[0],
        (context: object, args: { input?: unknown }) => passThrough(replayKey(context, region, args.input)),
      );
    }
    // A command with a documented rate waits for its slot before the SDK builds its call (sendWhenPaced).
    const rateLimit = typeof account === "function" ? undefined : account.rateLimit;
    if (rateLimit) {
      const sends = client as unknown as { send(command: object, ...rest: unknown[]): Promise<unknown> };
      sends.send = sendWhenPaced(sends.send.bind(client), (command) =>
        rateLimit(region, {
          service,
          // The command class's name, as the SDK names it (a bundle may suffix a digit to a duplicate name).
          operation: (command.constructor?.name ?? "Unknown").replace(/Command\d*$/, ""),
        }),
      );
    }
    client.middlewareStack.use(
      itgcMiddleware({
        account,
        allow: this.env.allow,
        region,
        recorder: this.env.recorder,
        replay: this.env.replay,
        attemptLimit: this.env.limit,
        rateLimited: this.rates !== undefined,
        beforeReplayAttempt: this.env.beforeReplayAttempt,
        stats: this.env.stats,
        onOutcome: this.env.onOutcome,
        protocol: protocolOf(client),
      }),
    );
    // Each command's handler composed from the stack's order sorted once (not per call, and not again for
    // another client of this class with the same stack; stack-order-cache.ts),
    // its endpoint resolved without a copy of the client's configuration per call (endpoint-middleware.ts).
    cacheStackOrder(
      client.middlewareStack as unknown as SdkStack,
      (client as unknown as { config: object }).config,
      Ctor,
    );
    return client;
  }
}

export { DEFAULT_CALL_TIMEOUT_MS } from "./defaults.js";

/** Credentials whose secret parts the scrubber knows, so they cannot reach any output. */
function registering(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  return async (props) => {
    const c = await provider(props);
    registerSecret(c.secretAccessKey);
    registerSecret(c.sessionToken);
    return c;
  };
}

/** The client's wire protocol, as the SDK names it (`aws.protocols#awsJson1_1`, …), or "" if it has none. */
function protocolOf(client: object): string {
  const protocol = (client as { config?: { protocol?: { getShapeId?: () => string } } }).config?.protocol;
  return typeof protocol?.getShapeId === "function" ? protocol.getShapeId() : "";
}
