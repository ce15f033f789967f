/** @aws-sdk/credential-providers, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/credential-providers") = requireSdk("@aws-sdk/credential-providers");

export const { fromNodeProviderChain } = sdk;
