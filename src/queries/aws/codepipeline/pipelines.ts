/**
 * aws.codepipeline.pipelines — one row per CodePipeline pipeline in the region (ListPipelines, every page;
 * GetPipeline for each), with its stages in execution order. Per stage: whether it deploys (an action of
 * category Deploy), whether it holds a manual approval (category Approval, provider Manual), and whether that
 * approval runs before the stage's first deploy action (a lower runOrder).
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  CodePipelineClient,
  GetPipelineCommand,
  ListPipelinesCommand,
} from "../../../providers/aws/sdk/client-codepipeline.js";
import { readEach } from "../../items.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const pipelines = defineAwsQuery({
  id: "aws.codepipeline.pipelines",
  scope: "region",
  title: "CodePipeline pipelines with their stages, deploy actions and manual approvals",
  permissions: ["codepipeline:ListPipelines", "codepipeline:GetPipeline"],
  calls: ["CodePipeline:ListPipelines", "CodePipeline:GetPipeline"],
  fields: {
    pipeline_arn: "string: arn:aws:codepipeline:<region>:<account>:<name>",
    name: "string?: pipeline name",
    region: "string: region",
    pipeline_type: "string?: V1 | V2 | null",
    updated: "timestamp?: when the pipeline was last updated",
    stages:
      "list<map<string, dyn>>: {index, name, has_deploy, has_approval, approval_before_deploy, deploy_actions, approval_actions} in execution order",
  },
  async fetch(ctx) {
    const client = ctx.aws.client(CodePipelineClient);
    const summaries = (
      await paginateAws(
        (nextToken) => client.send(new ListPipelinesCommand(nextToken ? { nextToken } : {})),
        (page) => page.nextToken,
        "CodePipeline:ListPipelines",
      )
    ).flatMap((page) => page.pipelines ?? []);
    summaries.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const readPipeline = async (s: (typeof summaries)[number]): Promise<Row> => {
      const out = await client.send(new GetPipelineCommand({ name: s.name }));
      const p = out.pipeline;
      if (!p) throw new Error(`GetPipeline ${s.name} returned no pipeline declaration`);
      const stages = (p.stages ?? []).map((stage, index) => {
        const actions = stage.actions ?? [];
        const deploys = actions.filter((a) => a.actionTypeId?.category === "Deploy");
        const approvals = actions.filter(
          (a) => a.actionTypeId?.category === "Approval" && a.actionTypeId?.provider === "Manual",
        );
        const firstDeploy = Math.min(...deploys.map((a) => a.runOrder ?? 1));
        return {
          index,
          name: stage.name ?? "",
          has_deploy: deploys.length > 0,
          has_approval: approvals.length > 0,
          approval_before_deploy:
            deploys.length > 0 && approvals.some((a) => (a.runOrder ?? 1) < firstDeploy),
          deploy_actions: deploys.map((a) => `${a.name} (${a.actionTypeId?.provider})`),
          approval_actions: approvals.map((a) => String(a.name)),
        };
      });
      return {
        pipeline_arn:
          out.metadata?.pipelineArn ??
          `arn:${ctx.aws.partition}:codepipeline:${ctx.aws.region}:${ctx.aws.accountId}:${p.name}`,
        name: p.name ?? s.name ?? null,
        region: ctx.aws.region,
        pipeline_type: p.pipelineType ?? s.pipelineType ?? null,
        updated: asDate(out.metadata?.updated ?? s.updated),
        stages,
      };
    };
    // A pipeline whose declaration cannot be read is an error finding for that pipeline alone.
    return readEach(
      summaries,
      readPipeline,
      (s) => ({
        pipeline_arn: `arn:${ctx.aws.partition}:codepipeline:${ctx.aws.region}:${ctx.aws.accountId}:${s.name}`,
        name: s.name ?? null,
        region: ctx.aws.region,
        pipeline_type: s.pipelineType ?? null,
      }),
      { sequential: true },
    );
  },
});
