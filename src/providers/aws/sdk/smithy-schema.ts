/** @smithy/core/schema, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@smithy/core/schema") = requireSdk("@smithy/core/schema");

export const { NormalizedSchema } = sdk;
