/** @smithy/core/endpoints, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@smithy/core/endpoints") = requireSdk("@smithy/core/endpoints");

export const { getEndpointFromInstructions } = sdk;
