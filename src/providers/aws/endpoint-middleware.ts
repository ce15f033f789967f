/**
 * The SDK's endpoint middleware (`endpointV2Middleware`, @smithy/core/endpoints), without its per-call copy of
 * the client's whole configuration (docs/performance.md, "Per call (round 7)").
 *
 * For every call the SDK's middleware hands `{ ...config }` to the endpoint resolution, so that resolution
 * can set `endpoint` / `isCustomEndpoint` on a copy when it finds an endpoint in the user's AWS config
 * files. A client's resolved configuration is a dictionary-mode object with an accessor (`credentials`), so
 * that spread takes V8's slow path: ≈ 22 µs and a 44–67-property object per call (measured on IAM's and S3's
 * configuration), ≈ 4 % of an organization run's CPU. Here the resolution gets `Object.create(config)`: it
 * reads every setting through the prototype, and what it writes lands on the view, as on the copy — the
 * client's configuration is never written either way. Everything else is the SDK's code or a line-for-line
 * copy of its middleware: the same endpoint parameters (`getEndpointFromInstructions`, the SDK's own), the
 * same endpoint rules and cache, the same handler-context fields and signing properties.
 *
 * Used by stack-order-cache.ts in place of the command's own entry of that name; a command whose endpoint
 * parameter instructions are empty keeps the SDK's middleware (the SDK then copies every own setting of the
 * configuration into the parameters, which a view has none of).
 */
import { getEndpointFromInstructions } from "./sdk/smithy-endpoints.js";

/** The name under which the SDK's endpoint middleware sits in a command's stack. */
export const ENDPOINT_MIDDLEWARE = "endpointV2Middleware";

// biome-ignore lint/suspicious/noExplicitAny: the SDK's handler context and arguments
type Any = any;
type Instructions = Record<string, unknown>;
interface CommandClass {
  getEndpointParameterInstructions?(): Instructions;
}

const SMITHY_CONTEXT = "__smithy_context";

/** The instructions of the command this context belongs to, or undefined (then the SDK's own is used). */
export function instructionsOf(context: Any): Instructions | undefined {
  const command = context?.[SMITHY_CONTEXT]?.commandInstance as { constructor?: CommandClass } | undefined;
  const instructions = command?.constructor?.getEndpointParameterInstructions?.();
  return instructions && Object.keys(instructions).length > 0 ? instructions : undefined;
}

function setFeature(context: Any, feature: string, value: string): void {
  if (!context[SMITHY_CONTEXT]) context[SMITHY_CONTEXT] = { features: {} };
  else if (!context[SMITHY_CONTEXT].features) context[SMITHY_CONTEXT].features = {};
  context[SMITHY_CONTEXT].features[feature] = value;
}

/** The middleware, for a client's `config` and a command's endpoint parameter instructions. */
export function endpointMiddleware(
  config: Any,
  instructions: Instructions,
): (next: Any, context: Any) => Any {
  const supplier = { getEndpointParameterInstructions: () => instructions };
  return (next: Any, context: Any) => async (args: Any) => {
    if (config.isCustomEndpoint) setFeature(context, "ENDPOINT_OVERRIDE", "N");
    const endpoint = await getEndpointFromInstructions(
      args.input,
      supplier as Any,
      Object.create(config),
      context,
    );
    context.endpointV2 = endpoint;
    context.authSchemes = endpoint.properties?.authSchemes;
    const authScheme = context.authSchemes?.[0];
    if (authScheme) {
      context.signing_region = authScheme.signingRegion;
      context.signing_service = authScheme.signingName;
      context[SMITHY_CONTEXT] ||= {};
      const httpAuthOption = context[SMITHY_CONTEXT]?.selectedHttpAuthScheme?.httpAuthOption;
      if (httpAuthOption) {
        httpAuthOption.signingProperties = Object.assign(
          httpAuthOption.signingProperties || {},
          {
            signing_region: authScheme.signingRegion,
            signingRegion: authScheme.signingRegion,
            signing_service: authScheme.signingName,
            signingName: authScheme.signingName,
            signingRegionSet: authScheme.signingRegionSet,
          },
          authScheme.properties,
        );
      }
    }
    return next({ ...args });
  };
}

/**
 * The middleware for a client's calls, one per command class (its instructions are a static object), or
 * undefined for a call whose command has no instructions (the SDK's own middleware is kept).
 */
export function endpointMiddlewareFor(
  config: object,
): (context: Any) => ((next: Any, context: Any) => Any) | undefined {
  const byInstructions = new WeakMap<Instructions, (next: Any, context: Any) => Any>();
  return (context) => {
    const instructions = instructionsOf(context);
    if (!instructions) return undefined;
    let middleware = byInstructions.get(instructions);
    if (!middleware) {
      middleware = endpointMiddleware(config, instructions);
      byInstructions.set(instructions, middleware);
    }
    return middleware;
  };
}
