/** @aws-sdk/client-accessanalyzer, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-accessanalyzer") = requireSdk("@aws-sdk/client-accessanalyzer");

export const { AccessAnalyzerClient, ListAnalyzersCommand } = sdk;
export type AccessAnalyzerClient = InstanceType<typeof AccessAnalyzerClient>;
