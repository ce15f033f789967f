/**
 * The HTTP handler of the SDK clients of a pure replay (no replay source that passes calls through to an
 * endpoint): the replay step answers every call before the handler would run (providers/aws/middleware.ts,
 * `itgcReplay`), so no request is ever sent. Without it each run built the SDK's NodeHttpHandler, whose
 * configuration creates an `https.Agent`, and so loaded node:https with tls and http (≈ 6–11 ms of a warm
 * demo on the 2-core machine) for nothing. A request that reached it anyway is refused — the call becomes
 * an error, never an answer — so a change that let a replayed call through would fail closed, and loudly.
 */

/** What the SDK asks of a request handler (`@smithy/types` HttpHandler), with nothing to send with. */
export const replayRequestHandler = {
  metadata: { handlerProtocol: "http/1.1" },
  handle(): Promise<never> {
    return Promise.reject(
      new Error(
        "replay: the call reached the HTTP handler; a replay sends no request (not answered by the recording)",
      ),
    );
  },
  updateHttpClientConfig(): void {},
  httpHandlerConfigs(): Record<string, never> {
    return {};
  },
  destroy(): void {},
};
