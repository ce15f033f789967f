/**
 * The middleware every AWS client of a run carries:
 * - read-only guard (initialize, first): refuses non-read operations before anything is built or sent;
 * - concurrency limit (initialize): bounds calls in flight across the run;
 * - recorder (initialize): records each logical call — input, final output or error, request id, attempts;
 * - replay (deserialize, first): in replay mode answers from the recording instead of the network. It sits
 *   below the SDK's retry middleware (finalizeRequest), so a recorded or injected throttling error goes
 *   through the real retry strategy.
 */
import type { MetadataBearer, MiddlewareStack, Pluggable } from "@smithy/types";
import type { Recorder } from "../../recording/recorder.js";
import type { ReplayIndex } from "../../recording/store.js";
import { fromRecordedError, toRecordedError } from "./errors.js";
import { isAllowedOperation, ReadOnlyViolation } from "./read-only.js";

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

export interface SessionInfo {
  /** The account the session's credentials belong to; undefined until known. */
  accountId: string | undefined;
}

export interface AwsMiddlewareOptions {
  session: SessionInfo;
  region: string;
  recorder: Recorder;
  replay?: ReplayIndex;
  /** Wraps each call for concurrency limiting. */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called in replay mode before answering each attempt: injected latency and throttling (benchmark). */
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: middleware signatures are generic over every command
type AnyStack = MiddlewareStack<any, any>;

export function itgcMiddleware(opts: AwsMiddlewareOptions): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack: AnyStack) {
      stack.add(
        (next, context) => async (args) => {
          const id = callIdentity(context);
          if (!isAllowedOperation(id.service, id.operation))
            throw new ReadOnlyViolation(id.service, id.operation);
          const run = async () => {
            const end = opts.recorder.begin({
              provider: "aws",
              ...id,
              account: opts.session.accountId,
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
                account: opts.session.accountId ?? output.Account,
              });
              return result;
            } catch (e) {
              const meta = (e as { $metadata?: { requestId?: string; attempts?: number } }).$metadata;
              end({ error: toRecordedError(e), requestId: meta?.requestId, attempts: meta?.attempts });
              throw e;
            }
          };
          return opts.limit ? opts.limit(run) : run();
        },
        { step: "initialize", name: "itgcRecorder", priority: "high", override: true },
      );
      if (opts.replay) {
        const replay = opts.replay;
        stack.add(
          (_next, context) => async (args) => {
            const id = callIdentity(context);
            if (opts.beforeReplayAttempt) await opts.beforeReplayAttempt(id);
            const call = replay.take({
              provider: "aws",
              ...id,
              account: opts.session.accountId,
              region: opts.region,
              input: args.input,
            });
            if (call.error) throw fromRecordedError(call.error, call.requestId);
            return {
              response: { statusCode: 200, headers: {}, body: undefined },
              output: {
                ...(call.output as object),
                $metadata: { httpStatusCode: 200, requestId: call.requestId },
              },
            };
          },
          { step: "deserialize", name: "itgcReplay", priority: "high", override: true },
        );
      }
    },
  };
}
