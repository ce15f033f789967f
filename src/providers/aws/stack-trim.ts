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
 *   both, and runs them only for the calls it passes through (`onlyWhenSent`): a request that is sent is
 *   signed and carries the user agent as in a live run, one answered from the recording skips both. Live
 *   clients keep both, always.
 *
 * What stays for every call, replayed or live: the read-only guard and the recorder (initialize), the
 * serializer and the endpoint rules, the retry strategy (so a recorded or injected throttling error goes
 * through the real retries), and the concurrency and rate limits.
 */

/** The part of a client's middleware stack used here (the SDK's MiddlewareStack). */
interface RemovableStack {
  remove(nameOrMiddleware: string): boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: a middleware of any command
type Middleware = (next: any, context: any) => (args: any) => Promise<unknown>;

interface SentOnlyStack {
  applyToStack(stack: unknown): void;
  add(middleware: Middleware, options: object): void;
  addRelativeTo(middleware: Middleware, options: object): void;
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

/**
 * A client whose calls are partly replayed, partly sent (a replay source with pass-through): the steps a
 * pure replay removes (UNUSED_WHEN_NEVER_SENT: the signer and the user-agent header) run only for the calls
 * `sent` says leave the process; the others skip them, as a pure replay's calls do. Each is the SDK's own
 * middleware, in its own place (the same options, replaced by name); nothing else changes. A step the stack
 * does not have is left out.
 */
export function onlyWhenSent(
  stack: SentOnlyStack,
  // biome-ignore lint/suspicious/noExplicitAny: the handler context and arguments of any command
  sent: (context: any, args: any) => boolean,
): void {
  const steps: { middleware: Middleware; options: Record<string, unknown>; relative: boolean }[] = [];
  const take = (relative: boolean) => (middleware: Middleware, options: Record<string, unknown>) => {
    if ((UNUSED_WHEN_NEVER_SENT as readonly unknown[]).includes(options.name)) {
      const { middleware: _, ...rest } = options;
      steps.push({ middleware, options: rest, relative });
    }
  };
  stack.applyToStack({ add: take(false), addRelativeTo: take(true), identifyOnResolve: () => false });
  for (const { middleware, options, relative } of steps) {
    const wrapped: Middleware = (next, context) => {
      const own = middleware(next, context);
      return (args) => (sent(context, args) ? own(args) : next(args));
    };
    if (relative) stack.addRelativeTo(wrapped, { ...options, override: true });
    else stack.add(wrapped, { ...options, override: true });
  }
}
