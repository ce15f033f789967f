/**
 * The one wrapper every Google API call of a run goes through (the GCP counterpart of the AWS middleware):
 * - read-only guard: refuses any method not on the run's allow-list (read-only.ts), before anything is sent;
 * - concurrency limit over the whole run;
 * - recorder: one recorded call per request — per page for paged methods — in the same format as AWS
 *   (provider "gcp", service = client name, operation = method, account = the project / folder /
 *   organization the call is about, region "global");
 * - replay: in replay mode the answer comes strictly from the recording (a call with no recorded answer is an
 *   error naming it; a recorded error is raised again as the same gRPC status).
 * Paged methods are called with `autoPaginate: false` and looped here, so every page is evidence and the
 * recorded output is the API's own List…Response (items plus nextPageToken).
 */
import type { Recorder } from "../../recording/recorder.js";
import { scrubSecrets } from "../../recording/scrub.js";
import type { ReplayIndex } from "../../recording/store.js";
import { DEFAULT_MAX_PAGES, forEachPage, paginate } from "../../util/paginate.js";
import { fromRecordedError, toRecordedError } from "./errors.js";
import { type GcpAllowList, GcpReadOnlyViolation, isAllowedGcpOperation } from "./read-only.js";

export const GLOBAL_REGION = "global";

/** Live transport: how a call reaches Google (absent in replay mode). */
export interface GcpTransport {
  /** Calls `client[operation](request, options)` on the named Google client; resolves to gax's array answer. */
  invoke(
    service: string,
    operation: string,
    request: unknown,
    options?: Record<string, unknown>,
  ): Promise<unknown>;
  /** A REST (JSON) GET for APIs with no gRPC client (Liens v1, Cloud Storage JSON, IAM v1, Policy Analyzer v1). */
  rest(
    service: string,
    url: { base: string; path: string; query?: Record<string, string> },
  ): Promise<unknown>;
}

export interface GcpCallsOptions {
  recorder: Recorder;
  replay?: ReplayIndex;
  transport?: GcpTransport;
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The exact methods this run may call; without one, any Google read method. */
  allow?: GcpAllowList;
}

export class GcpCalls {
  constructor(private readonly opts: GcpCallsOptions) {}

  get replaying(): boolean {
    return this.opts.replay !== undefined;
  }

  /** One unary call; resolves to the response message. */
  async unary<T = Record<string, unknown>>(
    service: string,
    operation: string,
    account: string,
    request: Record<string, unknown>,
  ): Promise<T> {
    return (await this.record(service, operation, account, request, async (t) => {
      const answer = (await t.invoke(service, operation, request)) as unknown[];
      return answer[0];
    })) as T;
  }

  /** Every page of a paged method; resolves to the items of `itemsField` over all pages, in order. */
  async paged<T = Record<string, unknown>>(
    service: string,
    operation: string,
    account: string,
    request: Record<string, unknown>,
    itemsField: string,
  ): Promise<T[]> {
    const pages = await paginate(
      async (pageToken) => {
        const req = pageToken ? { ...request, pageToken } : { ...request };
        return (await this.record(service, operation, account, req, async (t) => {
          const answer = (await t.invoke(service, operation, req, { autoPaginate: false })) as unknown[];
          // gax with autoPaginate false: [items, nextPageRequest, rawResponse]
          return answer[2] ?? { [itemsField]: answer[0] ?? [], nextPageToken: "" };
        })) as Record<string, unknown>;
      },
      (page) => (typeof page.nextPageToken === "string" ? page.nextPageToken : ""),
      `${service}.${operation}`,
    );
    return pages.flatMap((page) => (page[itemsField] as T[] | undefined) ?? []);
  }

  /**
   * Like `paged`, but hands each page to `onPage` as it arrives and keeps none (listings too large to hold
   * twice, e.g. a quarter of audit log entries; the recorder keeps each page once, as evidence). The loop is
   * util/paginate.ts `forEachPage`: no page is held while the next one is fetched, a repeated token or more
   * than `maxPages` pages throws.
   */
  eachPage(
    service: string,
    operation: string,
    account: string,
    request: Record<string, unknown>,
    onPage: (page: Record<string, unknown>, pageNumber: number) => void,
    maxPages: number = DEFAULT_MAX_PAGES,
  ): Promise<number> {
    return forEachPage(
      async (pageToken) => {
        const req = pageToken ? { ...request, pageToken } : { ...request };
        return (await this.record(service, operation, account, req, async (t) => {
          const answer = (await t.invoke(service, operation, req, { autoPaginate: false })) as unknown[];
          // gax with autoPaginate false: [items, nextPageRequest, rawResponse]
          return answer[2] ?? { nextPageToken: "" };
        })) as Record<string, unknown>;
      },
      (page) => (typeof page.nextPageToken === "string" ? page.nextPageToken : ""),
      onPage,
      `${service}.${operation}`,
      maxPages,
    );
  }

  /** A REST GET recorded like any other call; `request` is what identifies it (recorded as the input). */
  rest<T = Record<string, unknown>>(
    service: string,
    operation: string,
    account: string,
    request: { base: string; path: string; query?: Record<string, string> },
  ): Promise<T> {
    const input = { path: request.path, ...(request.query ? { query: request.query } : {}) };
    return this.record(service, operation, account, input, (t) => t.rest(service, request)) as Promise<T>;
  }

  /** A call answered by `live` (the caller-identity lookup): recorded and replayed like an API call. */
  local<T>(
    service: string,
    operation: string,
    account: string,
    input: Record<string, unknown>,
    live: () => Promise<T>,
  ): Promise<T> {
    return this.record(service, operation, account, input, () => live()) as Promise<T>;
  }

  private async record(
    service: string,
    operation: string,
    account: string,
    input: unknown,
    live: (t: GcpTransport) => Promise<unknown>,
  ): Promise<unknown> {
    if (this.opts.allow) this.opts.allow.check(service, operation);
    else if (!isAllowedGcpOperation(service, operation))
      throw new GcpReadOnlyViolation(service, operation, "it is not a read method");
    const run = async () => {
      const end = this.opts.recorder.begin({
        provider: "gcp",
        service,
        operation,
        account,
        region: GLOBAL_REGION,
        input,
      });
      try {
        let output: unknown;
        if (this.opts.replay) {
          const call = this.opts.replay.take({
            provider: "gcp",
            service,
            operation,
            account,
            region: GLOBAL_REGION,
            input,
          });
          if (call.error) throw fromRecordedError(call.error);
          output = structuredClone(call.output ?? {});
        } else {
          if (!this.opts.transport) throw new Error("no live Google transport in this run");
          output = await live(this.opts.transport);
        }
        end({ output, attempts: 1 });
        return output;
      } catch (e) {
        // The reason names the call and is free of secrets (recording/scrub.ts), like the AWS middleware's.
        if (e instanceof Error) {
          const label = `${service}.${operation}`;
          e.message = scrubSecrets(e.message.includes(label) ? e.message : `${label}: ${e.message}`);
          const withDetails = e as unknown as { details?: unknown };
          if (typeof withDetails.details === "string")
            withDetails.details = scrubSecrets(withDetails.details);
        }
        end({ error: toRecordedError(e) });
        throw e;
      }
    };
    return this.opts.limit ? this.opts.limit(run) : run();
  }
}
