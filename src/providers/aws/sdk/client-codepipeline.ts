/** @aws-sdk/client-codepipeline, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-codepipeline") = requireSdk("@aws-sdk/client-codepipeline");

export const {
  CodePipelineClient,
  GetPipelineCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
} = sdk;
export type CodePipelineClient = InstanceType<typeof CodePipelineClient>;
