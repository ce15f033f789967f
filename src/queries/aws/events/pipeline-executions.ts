/**
 * aws.codepipeline.executions — one row per CodePipeline execution that started in the audit period, in
 * every pipeline of the region (pipelines from aws.codepipeline.pipelines, through the run cache), with what
 * it did: ListPipelineExecutions (newest first; paging stops at the first execution older than the period)
 * and, for each execution in the period, ListActionExecutions filtered by its execution id (every page).
 *
 * Per execution: who or what triggered it (trigger.triggerDetail: the IAM principal for a manual
 * StartPipelineExecution, the rule or webhook for a source change), whether a Deploy action in a production
 * stage (query param production_stage_pattern, RE2 syntax with an optional leading (?i)) succeeded, the
 * Manual approval actions with their approver (`updatedBy`), whether one succeeded before the production
 * deploy started, and whether the approver is the person who triggered it (same IAM user, or same role
 * session name across roles).
 *
 * Coverage: CodePipeline keeps execution history for 12 months; an older period start is refused.
 */
import type {
  ListActionExecutionsCommandOutput,
  PipelineExecutionSummary,
} from "@aws-sdk/client-codepipeline";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  CodePipelineClient,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
} from "../../../providers/aws/sdk/client-codepipeline.js";
import { asDate } from "../normalise.js";
import { forEachAwsPage } from "../paginate.js";
import { PeriodNotCoveredError } from "./cloudtrail-events.js";

export const EXECUTION_HISTORY_DAYS = 365;

export const pipelineExecutions = defineAwsQuery({
  id: "aws.codepipeline.executions",
  scope: "region",
  title: "CodePipeline executions started in the audit period, with their production deploys and approvals",
  permissions: [
    "codepipeline:ListPipelines",
    "codepipeline:GetPipeline",
    "codepipeline:ListPipelineExecutions",
    "codepipeline:ListActionExecutions",
  ],
  calls: ["CodePipeline:ListPipelineExecutions", "CodePipeline:ListActionExecutions"],
  uses: ["aws.codepipeline.pipelines"],
  fields: {
    execution_id: "string: the pipeline execution id",
    pipeline: "string: the pipeline name",
    pipeline_arn: "string: the pipeline ARN",
    region: "string: the region",
    status: "string: InProgress | Stopped | Stopping | Succeeded | Superseded | Failed | Cancelled",
    start_time: "timestamp: when the execution started",
    trigger_type: "string?: StartPipelineExecution | CloudWatchEvent | Webhook | PutActionRevision | …",
    triggered_by: "string?: the trigger detail (the principal's ARN for a manual start)",
    deployed_to_production: "bool: a Deploy action in a production stage succeeded in this execution",
    production_deploy_time: "timestamp?: when the first production Deploy action started",
    approvals:
      "list<map<string, dyn>>: the Manual approval actions ({stage, action, status, approver, time})",
    approvers: "list<string>: who approved (updatedBy of each succeeded approval)",
    approved_before_deploy:
      "bool: a Manual approval succeeded before the first production Deploy action started",
    approver_is_trigger: "bool: an approver is the person who triggered the execution",
  },
  paramsSchema: {
    type: "object",
    additionalProperties: false,
    properties: { production_stage_pattern: { type: "string" } },
  },
  async fetch(ctx, params) {
    const { start, end } = ctx.period;
    const oldest = new Date(ctx.now.getTime() - EXECUTION_HISTORY_DAYS * 86_400_000);
    if (start < oldest)
      throw new PeriodNotCoveredError(
        `period not covered by the event source: CodePipeline keeps execution history for 12 months (oldest ${oldest.toISOString()}), the period starts ${start.toISOString()}`,
      );
    const production = re2(String(params.production_stage_pattern ?? "(?i)prod"));
    const client = ctx.aws.client(CodePipelineClient);
    const pipelines = await ctx.query("aws.codepipeline.pipelines");
    const rows: Row[] = [];
    for (const p of pipelines) {
      const name = String(p.name);
      for (const s of await executionsInPeriod(client, name, start, end)) {
        const actions: NonNullable<ListActionExecutionsCommandOutput["actionExecutionDetails"]> = [];
        await forEachAwsPage(
          (nextToken) =>
            client.send(
              new ListActionExecutionsCommand({
                pipelineName: name,
                filter: { pipelineExecutionId: s.pipelineExecutionId },
                ...(nextToken ? { nextToken } : {}),
              }),
            ),
          (page) => page.nextToken,
          (page) => actions.push(...(page.actionExecutionDetails ?? [])),
          `CodePipeline:ListActionExecutions ${name}`,
        );
        const deploys = actions.filter(
          (a) => a.input?.actionTypeId?.category === "Deploy" && production.test(a.stageName ?? ""),
        );
        const succeeded = deploys.filter((a) => a.status === "Succeeded");
        const deployStart = succeeded
          .map((a) => asDate(a.startTime))
          .filter((d): d is Date => d !== null)
          .sort((a, b) => a.getTime() - b.getTime())[0];
        const approvals = actions
          .filter(
            (a) =>
              a.input?.actionTypeId?.category === "Approval" && a.input.actionTypeId.provider === "Manual",
          )
          .map((a) => ({
            stage: a.stageName ?? "",
            action: a.actionName ?? "",
            status: a.status ?? "",
            approver: a.updatedBy ?? null,
            time: asDate(a.lastUpdateTime),
          }));
        const approved = approvals.filter((a) => a.status === "Succeeded" && a.approver);
        const trigger = s.trigger?.triggerDetail ?? null;
        rows.push({
          execution_id: s.pipelineExecutionId ?? "",
          pipeline: name,
          pipeline_arn: String(p.pipeline_arn),
          region: ctx.aws.region,
          status: s.status ?? "",
          start_time: asDate(s.startTime),
          trigger_type: s.trigger?.triggerType ?? null,
          triggered_by: trigger,
          deployed_to_production: succeeded.length > 0,
          production_deploy_time: deployStart ?? null,
          approvals,
          approvers: approved.map((a) => String(a.approver)),
          approved_before_deploy:
            deployStart !== undefined &&
            approved.some((a) => a.time !== null && a.time.getTime() <= deployStart.getTime()),
          approver_is_trigger:
            trigger !== null && approved.some((a) => samePerson(String(a.approver), trigger)),
        });
      }
    }
    return rows;
  },
});

/** Executions that started in [start, end]: newest first, so paging stops at the first older one. */
async function executionsInPeriod(
  client: CodePipelineClient,
  pipelineName: string,
  start: Date,
  end: Date,
): Promise<PipelineExecutionSummary[]> {
  const out: PipelineExecutionSummary[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListPipelineExecutionsCommand({ pipelineName, ...(token ? { nextToken: token } : {}) }),
    );
    let older = false;
    for (const s of page.pipelineExecutionSummaries ?? []) {
      const t = asDate(s.startTime);
      if (!t)
        throw new Error(
          `CodePipeline:ListPipelineExecutions ${pipelineName}: execution ${s.pipelineExecutionId} has no startTime`,
        );
      if (t < start) older = true;
      else if (t <= end) out.push(s);
    }
    const next = page.nextToken;
    if (older || !next) return out.reverse();
    if (seen.has(next))
      throw new Error(`CodePipeline:ListPipelineExecutions: the API repeated page token ${next}`);
    seen.add(next);
    token = next;
  }
}

/** The person behind an IAM ARN: the user name, or the session name of a role session. */
function personOf(arn: string): string {
  const session = /:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  if (session) return session[1]!.toLowerCase();
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return (user ? user[1]! : arn).toLowerCase();
}

function samePerson(a: string, b: string): boolean {
  return personOf(a) === personOf(b);
}

/** An RE2-style pattern with an optional leading (?i) as a JS RegExp (JS has no inline flags). */
function re2(pattern: string): RegExp {
  return pattern.startsWith("(?i)") ? new RegExp(pattern.slice(4), "i") : new RegExp(pattern);
}
