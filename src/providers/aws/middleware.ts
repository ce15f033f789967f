/**
 * The middleware every AWS client of a run carries:
 * - read-only guard (initialize, first): refuses any operation not on the run's allow-list (the operations
 *   the selected queries declare, read-only.ts) before anything is built or sent;
 * - concurrency limits: per account and per account/region/API for the whole call (initialize), retries and
 *   their backoff included, so a throttled operation slows down only itself; over the whole run per attempt
 *   (deserialize, inside the retry loop), so a call sleeping a backoff holds no run-wide slot;
 * - recorder (initialize): records each logical call — input, final output or error, request id, attempts;
 * - rate limit (initialize, before the concurrency limit; and deserialize, first, for retries): spaces the
 *   attempts of an operation with a documented request rate (CloudTrail LookupEvents: 2/s per account and
 *   region) instead of provoking throttling;
 * - attempt counter (deserialize): runs once per attempt inside the SDK's retry loop, so it counts
 *   every attempt and every throttling error, including throttles the retry strategy then recovered from;
 * - replay (deserialize): in replay mode answers from the recording instead of the network. It sits below
 *   the SDK's retry middleware (finalizeRequest), so a recorded or injected throttling error goes through
 *   the real retry strategy;
 * - wire capture (deserialize, innermost): for an error status, reads the raw body so a failed call's reason
 *   can say what came back (an HTML page, an empty 503) instead of the SDK's `Unknown`.
 * A failed call's error is explained (errors.ts explainAwsError: operation, status, body) and scrubbed of
 * secrets (recording/scrub.ts) before it is recorded or reaches a report.
 */
import type { MetadataBearer, MiddlewareStack, Pluggable } from "@smithy/types";
import type { RecordedCall } from "../../recording/format.js";
import type { Recorder } from "../../recording/recorder.js";
import { scrubSecrets } from "../../recording/scrub.js";
import type { CallKey } from "../../recording/store.js";
import { successNeedsBody } from "./answer-body.js";
import {
  explainAwsError,
  fromRecordedError,
  isThrottling,
  toRecordedError,
  type WireAnswer,
} from "./errors.js";
import { isDeclarableOperation, type OperationAllowList, ReadOnlyViolation } from "./read-only.js";

export interface CallIdentity {
  service: string;
  operation: string;
}

export function callIdentity(context: { clientName?: string; commandName?: string }): CallIdentity {
  return {
    service: (context.clientName ?? "Unknown").replace(/Client$/, ""),
    operation: (context.commandName ?? "Unknown").replace(/Command$/, ""),
  };
}

/** Answers calls in replay mode: a recording (ReplayIndex), or synthetic answers (the benchmark). */
export interface ReplaySource {
  take(key: CallKey): RecordedCall;
  /**
   * True when this call goes to the network instead (the fault matrix: one operation is served by a local
   * server speaking the AWS wire protocol, everything else by the recording).
   */
  passThrough?(key: CallKey): boolean;
}

export interface SessionInfo {
  /** The account the session's credentials belong to; undefined until known. */
  accountId: string | undefined;
}

/** Counters over every attempt of every call of a run (the SDK retry loop included). */
export interface AttemptStats {
  /** Attempts sent (or answered from the recording), first tries and retries. */
  attempts: number;
  /** Attempts that ended in a throttling error, whether or not a retry then succeeded. */
  throttles: number;
}

export function newAttemptStats(): AttemptStats {
  return { attempts: 0, throttles: 0 };
}

/** The final outcome of one logical call, for scope-gap detection (a region denied on every call). */
export interface CallOutcome extends CallIdentity {
  account: string | undefined;
  region: string;
  error?: unknown;
}

/** Wraps one call for concurrency limiting; gets the call so it can limit per account and per API. */
export type CallLimiter = <T>(fn: () => Promise<T>, call: CallIdentity & { region: string }) => Promise<T>;

/**
 * The account a call is made for: its session (the account id, for the recorder and the replay key) and the
 * limits that session holds (per account, per account/region/operation; documented request rates).
 */
export interface CallAccount {
  session: SessionInfo;
  /** Wraps each call for concurrency limiting (STS calls bypass it: credentials are fetched under it). */
  limit?: CallLimiter;
  /**
   * Waits for a request slot under a documented rate limit (per account and region), before every attempt
   * (retries count against AWS's quota too); returns undefined when the operation has none.
   */
  rateLimit?: (region: string, call: CallIdentity) => Promise<void> | undefined;
}

/**
 * Calls made through a client shared by every account of a replayed run (session.ts): each command is bound
 * to its account by the session's view of the client just before it is sent, and read back here from the
 * command instance the SDK puts in the handler context. A command sent concurrently for two accounts is
 * refused rather than attributed to either.
 */
const boundCommands = new WeakMap<object, CallAccount>();

/** Binds `command` to `account` for the duration of `send` (a shared client's send). */
export async function sendFor<T>(command: object, account: CallAccount, send: () => Promise<T>): Promise<T> {
  const bound = boundCommands.get(command);
  if (bound && bound !== account)
    throw new Error("an SDK command object was sent for two accounts at once; create one command per call");
  boundCommands.set(command, account);
  try {
    return await send();
  } finally {
    if (!bound) boundCommands.delete(command);
  }
}

/** The account a shared client's call was bound to; throws (fails the call) when it was not bound. */
export function boundAccount(context: object): CallAccount {
  const command = (context as { __smithy_context?: { commandInstance?: object } }).__smithy_context
    ?.commandInstance;
  const account = command ? boundCommands.get(command) : undefined;
  if (!account) throw new Error("a call on a shared SDK client was not bound to an account");
  return account;
}

/**
 * Commands whose first attempt already holds its rate-limit slot: taken by `sendWhenPaced` before the
 * command went into the SDK, handed over (and forgotten) by the recorder step below.
 */
const pacedCommands = new WeakSet<object>();

/**
 * `send` for a client of a run with documented request rates: a command with a rate (LookupEvents) waits for
 * its slot *before* the SDK builds anything for it, then goes in marked as holding it; others go at once.
 *
 * Why not in the middleware (where retries still wait): a call waiting there has its handler chain, context
 * and request objects built, and at 2/s per account-region it waits ≈ 0.5 s, long enough for the young-
 * generation collector to promote all of it — ≈ 22 kB per request of events-org-50x4-1pp
 * (docs/performance.md, round 15). A command sent twice at once takes two slots; the second send's first
 * attempt then finds no mark and waits again: slower, never faster than the rate.
 */
export function sendWhenPaced<C extends object, R>(
  send: (command: C, ...rest: unknown[]) => Promise<R>,
  slotFor: (command: C) => Promise<void> | undefined,
): (command: C, ...rest: unknown[]) => Promise<R> {
  return (command, ...rest) => {
    const slot = slotFor(command);
    if (!slot) return send(command, ...rest);
    return slot.then(() => {
      pacedCommands.add(command);
      return send(command, ...rest);
    });
  };
}

/** Takes the mark `sendWhenPaced` left on the context's command (true once per slot taken). */
function takePacedSlot(context: object): boolean {
  const command = (context as { __smithy_context?: { commandInstance?: object } }).__smithy_context
    ?.commandInstance;
  return command !== undefined && pacedCommands.delete(command);
}

export interface AwsMiddlewareOptions {
  /** The account every call of this client is made for, or, for a shared client, how to find each call's. */
  account: CallAccount | ((context: object) => CallAccount);
  /** The exact operations this client may send; without one, any declarable read (read-only.ts). */
  allow?: OperationAllowList;
  region: string;
  recorder: Recorder;
  replay?: ReplaySource;
  /** Wraps each attempt (the run-wide limit; STS bypasses it too). */
  attemptLimit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Some operation has a documented request rate in this run: the per-attempt rate step is installed. */
  rateLimited?: boolean;
  /** Called in replay mode before answering each attempt: injected latency and throttling (benchmark). */
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
  /** Per-attempt counters, shared by the run's clients. */
  stats?: AttemptStats;
  /** Told the final outcome of every call. */
  onOutcome?: (o: CallOutcome) => void;
  /** The client's wire protocol (`aws.protocols#awsJson1_1`, …): which empty answers are refused (wireCapture). */
  protocol?: string;
}

/**
 * Set at initialize: the call's account (read by the per-attempt steps), and whether the first attempt
 * already holds its rate-limit slot (retries wait at deserialize).
 */
type ItgcContext = { itgcAccount?: CallAccount; itgcRateSlotHeld?: boolean };

// biome-ignore lint/suspicious/noExplicitAny: middleware signatures are generic over every command
type AnyStack = MiddlewareStack<any, any>;

/** The read-only rule, shared by every AWS client: refuses an operation not allowed before anything is sent. */
function assertAllowed(
  context: { clientName?: string; commandName?: string },
  allow: OperationAllowList | undefined,
): CallIdentity {
  const id = callIdentity(context);
  if (allow) allow.check(id.service, id.operation);
  else if (!isDeclarableOperation(id.service, id.operation))
    throw new ReadOnlyViolation(id.service, id.operation, "it is not a read operation");
  return id;
}

/**
 * Only the allow-list guard: for clients outside a run's recording (the signing and upload clients).
 * `check` sees each allowed call's input, e.g. to pin the upload to one bucket.
 */
export function readOnlyGuard(
  allow: OperationAllowList,
  check?: (id: CallIdentity, input: Record<string, unknown>) => void,
): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack: AnyStack) {
      stack.add(
        (next, context) => async (args) => {
          const id = assertAllowed(context, allow);
          check?.(id, (args.input ?? {}) as Record<string, unknown>);
          return next(args);
        },
        { step: "initialize", name: "itgcReadOnly", priority: "high", override: true },
      );
    },
  };
}

const WIRE_KEY = "itgcWireAnswer";

/** A body of at most this many bytes (by its Content-Length) is read to see whether it holds anything. */
const SMALL_BODY = 64;

/**
 * A 2xx answer with an empty (or blank) body where the operation's answer always has one (answer-body.ts).
 * Transient by the SDK's rules (`$retryable`): a proxy or endpoint fault may answer the next attempt
 * properly; one that outlasts the retries fails the call, so the controls that read it are `error`.
 */
export class EmptyAnswerError extends Error {
  readonly $fault = "server";
  readonly $retryable = {};
  readonly $metadata: { httpStatusCode: number; attempts?: number };
  constructor(status: number) {
    super(
      `the answer has an empty body, where this operation always answers with one; it cannot be read as "none" (an endpoint or proxy fault)`,
    );
    this.name = "EmptyAnswer";
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Below the SDK's deserialiser: reads an error answer's body (to name it in the reason), and refuses an empty
 * success body where the operation's answer always has one (answer-body.ts; `protocol` is the client's). A
 * body it reads is handed to the SDK as the same bytes. A success body is only read when its length is
 * unknown or small, so a page of events costs a header lookup.
 */
function wireCapture(protocol: string): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack: AnyStack) {
      stack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const response = result.response as {
            statusCode?: number;
            headers?: Record<string, string>;
            body?: unknown;
          };
          const status = response?.statusCode;
          if (status === undefined) return result;
          if (status >= 300) {
            const body = await readBody(response.body);
            if (body) response.body = body;
            const answer: WireAnswer = {
              status,
              contentType: response.headers?.["content-type"] ?? response.headers?.["Content-Type"],
              ...(body ? { preview: body.subarray(0, 200).toString("utf8"), length: body.length } : {}),
            };
            (context as Record<string, unknown>)[WIRE_KEY] = answer;
          } else if (status >= 200 && successNeedsBody(protocol, operationSchemaOf(context))) {
            const declared = response.headers?.["content-length"] ?? response.headers?.["Content-Length"];
            const length = declared === undefined ? Number.NaN : Number(declared);
            if (length === 0) throw new EmptyAnswerError(status);
            if (!(length > SMALL_BODY)) {
              const body = await readBody(response.body);
              if (body && body.toString("utf8").trim() === "") throw new EmptyAnswerError(status);
              if (body) response.body = body;
            }
          }
          return result;
        },
        { step: "deserialize", name: "itgcWireCapture", priority: "low", override: true },
      );
    },
  };
}

/** The command's operation schema, as the SDK puts it in the call's context. */
function operationSchemaOf(context: object): unknown {
  const smithy = (
    context as Record<string, { operationSchema?: unknown; commandInstance?: { schema?: unknown } }>
  ).__smithy_context;
  return smithy?.operationSchema ?? smithy?.commandInstance?.schema;
}

async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === "string") return Buffer.from(body);
  const stream = body as AsyncIterable<Uint8Array>;
  if (typeof stream[Symbol.asyncIterator] !== "function") return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The key a call is replayed by: its operation, its account (set at initialize), region and input. */
export function replayKey(context: object, region: string, input: unknown): CallKey {
  return {
    provider: "aws",
    ...callIdentity(context),
    account: (context as ItgcContext).itgcAccount?.session.accountId,
    region,
    input,
  };
}

export function itgcMiddleware(opts: AwsMiddlewareOptions): Pluggable<object, MetadataBearer> {
  const accountOf = typeof opts.account === "function" ? opts.account : () => opts.account as CallAccount;
  return {
    applyToStack(stack: AnyStack) {
      stack.add(
        (next, context) => async (args) => {
          const id = assertAllowed(context, opts.allow);
          const account = accountOf(context);
          (context as ItgcContext).itgcAccount = account;
          const session = account.session;
          const run = async () => {
            const end = opts.recorder.begin({
              provider: "aws",
              ...id,
              account: session.accountId,
              region: opts.region,
              input: args.input,
            });
            try {
              const result = await next(args);
              const output = result.output as MetadataBearer & { Account?: string };
              end({
                output,
                requestId: output.$metadata?.requestId,
                attempts: output.$metadata?.attempts,
                account: session.accountId ?? output.Account,
              });
              opts.onOutcome?.({ ...id, account: session.accountId, region: opts.region });
              return result;
            } catch (e) {
              explainAwsError(
                e,
                id,
                (context as Record<string, unknown>)[WIRE_KEY] as WireAnswer | undefined,
              );
              if (e && typeof e === "object" && typeof (e as Error).message === "string")
                (e as Error).message = scrubSecrets((e as Error).message);
              const meta = (e as { $metadata?: { requestId?: string; attempts?: number } }).$metadata;
              end({ error: toRecordedError(e), requestId: meta?.requestId, attempts: meta?.attempts });
              opts.onOutcome?.({ ...id, account: session.accountId, region: opts.region, error: e });
              throw e;
            }
          };
          // The first attempt waits for its rate-limit slot before taking a concurrency slot, so calls
          // waiting on a documented rate (LookupEvents: 2/s per account-region) never hold up other calls.
          if (takePacedSlot(context)) (context as ItgcContext).itgcRateSlotHeld = true;
          else {
            const slot = account.rateLimit?.(opts.region, id);
            if (slot) {
              await slot;
              (context as ItgcContext).itgcRateSlotHeld = true;
            }
          }
          // STS is exempt: member-account credentials are (re)fetched with STS while a call holds a slot.
          return account.limit && id.service !== "STS"
            ? account.limit(run, { ...id, region: opts.region })
            : run();
        },
        { step: "initialize", name: "itgcRecorder", priority: "high", override: true },
      );
      if (opts.rateLimited) {
        stack.add(
          (next, context) => async (args) => {
            // Retries count against AWS's quota too: every attempt after the first waits for a slot here.
            const c = context as ItgcContext;
            if (c.itgcRateSlotHeld) c.itgcRateSlotHeld = false;
            else await c.itgcAccount?.rateLimit?.(opts.region, callIdentity(context));
            return next(args);
          },
          // Added first at this step, so it runs outermost: once per attempt, before it is counted or sent.
          { step: "deserialize", name: "itgcRateLimit", priority: "high", override: true },
        );
      }
      if (opts.attemptLimit) {
        const attemptLimit = opts.attemptLimit;
        stack.add(
          (next, context) => (args) =>
            callIdentity(context).service === "STS" ? next(args) : attemptLimit(() => next(args)),
          // After the rate limit (a call waiting for its rate slot holds no run-wide slot), before the counter.
          { step: "deserialize", name: "itgcAttemptLimit", priority: "high", override: true },
        );
      }
      if (opts.stats) {
        const stats = opts.stats;
        stack.add(
          (next) => async (args) => {
            stats.attempts++;
            try {
              return await next(args);
            } catch (e) {
              if (isThrottling(e)) stats.throttles++;
              throw e;
            }
          },
          { step: "deserialize", name: "itgcAttempts", priority: "high", override: true },
        );
      }
      stack.use(wireCapture(opts.protocol ?? ""));
      if (opts.replay) {
        const replay = opts.replay;
        stack.add(
          (next, context) => async (args) => {
            const key = replayKey(context, opts.region, args.input);
            if (replay.passThrough?.(key)) return next(args);
            const id: CallIdentity = { service: key.service, operation: key.operation };
            if (opts.beforeReplayAttempt) await opts.beforeReplayAttempt(id);
            const call = replay.take(key);
            if (call.error) throw fromRecordedError(call.error, call.requestId);
            return {
              response: { statusCode: 200, headers: {}, body: undefined },
              output: {
                ...(call.output as object),
                $metadata: { httpStatusCode: 200, requestId: call.requestId },
              },
            };
          },
          // Same step and priority as the attempt counter but added after it, so it runs inside it.
          { step: "deserialize", name: "itgcReplay", priority: "high", override: true },
        );
      }
    },
  };
}
