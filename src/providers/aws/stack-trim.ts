/**
 * Steps of the AWS SDK's middleware stack that a run's clients do not need, removed per client once, when it
 * is created (docs/performance.md, "Per call"):
 *
 * - Every client: the SDK's logger middleware. The run configures no SDK logger, so the SDK's no-op logger
 *   receives every call, yet the middleware first builds a copy of each call's input and output with the
 *   sensitive members masked (a walk of the whole answer) for it to drop.
 * - Replayed clients whose requests can never leave the process (a replay source without pass-through): the
 *   SigV4 signer and the user-agent header. The request of a replayed call is answered from the recording
 *   at the deserialize step, below both, and is never sent, so a signature (a fresh signer, an HMAC chain
 *   and a canonical request for each call) and a user-agent string are computed only to be thrown away.
 *   A replay source that can pass calls through to a real endpoint (the fault matrix's local server) keeps
 *   both: a request that is sent is signed as in a live run. Live clients keep both, always.
 *
 * What stays for every call, replayed or live: the read-only guard and the recorder (initialize), the
 * serializer and the endpoint rules, the retry strategy (so a recorded or injected throttling error goes
 * through the real retries), and the concurrency and rate limits.
 */

/** The part of a client's middleware stack used here (the SDK's MiddlewareStack). */
interface RemovableStack {
  remove(nameOrMiddleware: string): boolean;
}

/** Removed from every client of a run. */
export const UNUSED_ON_EVERY_CLIENT = ["loggerMiddleware"] as const;
/** Also removed from a replayed client whose requests are never sent. */
export const UNUSED_WHEN_NEVER_SENT = ["httpSigningMiddleware", "getUserAgentMiddleware"] as const;

/**
 * Removes the steps this client does not need. `neverSent`: the client's every request is answered in the
 * process (replay without pass-through).
 */
export function trimStack(stack: RemovableStack, neverSent: boolean): void {
  for (const name of UNUSED_ON_EVERY_CLIENT) stack.remove(name);
  if (neverSent) for (const name of UNUSED_WHEN_NEVER_SENT) stack.remove(name);
}
