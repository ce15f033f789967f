/**
 * aws.accessanalyzer.analyzers — one row per region: the IAM Access Analyzer analyzers there (ListAnalyzers,
 * every page) and whether an external-access analyzer (type ACCOUNT or ORGANIZATION) is ACTIVE. A region with
 * no analyzer still yields a row, so "every region" controls see the gap.
 */
import type { AnalyzerSummary } from "@aws-sdk/client-accessanalyzer";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  AccessAnalyzerClient,
  ListAnalyzersCommand,
} from "../../../providers/aws/sdk/client-accessanalyzer.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

const EXTERNAL_ACCESS_TYPES = new Set(["ACCOUNT", "ORGANIZATION"]);
const MAX_PAGES = 100;

export const analyzers = defineAwsQuery({
  id: "aws.accessanalyzer.analyzers",
  scope: "region",
  title: "IAM Access Analyzer analyzers, one row per region",
  permissions: ["access-analyzer:ListAnalyzers"],
  calls: ["AccessAnalyzer:ListAnalyzers"],
  fields: {
    region_arn: "string: arn:<partition>:access-analyzer:<region>:<account>:analyzer (the region tested)",
    region: "string: region",
    analyzers: "list<map<string, dyn>>: {name, arn, type, status, created_at}",
    active_external_analyzers: "list<string>: names of ACTIVE analyzers of type ACCOUNT or ORGANIZATION",
    has_active_external_analyzer: "bool: at least one such analyzer",
  },
  async fetch(ctx) {
    const client = ctx.aws.client(AccessAnalyzerClient);
    const pages = await paginateAws(
      (token) => client.send(new ListAnalyzersCommand(token ? { nextToken: token } : {})),
      (out) => out.nextToken,
      "AccessAnalyzer:ListAnalyzers",
      MAX_PAGES,
    );
    const list: AnalyzerSummary[] = pages.flatMap((out) => {
      if (!out.analyzers) throw new Error("ListAnalyzers answered without analyzers");
      return out.analyzers;
    });
    const rows = list.map((a) => ({
      name: a.name ?? null,
      arn: a.arn ?? null,
      type: a.type ?? null,
      status: a.status ?? null,
      created_at: asDate(a.createdAt),
    }));
    const active = rows
      .filter((a) => a.status === "ACTIVE" && a.type !== null && EXTERNAL_ACCESS_TYPES.has(a.type))
      .map((a) => String(a.name));
    return [
      {
        region_arn: `arn:${ctx.aws.partition}:access-analyzer:${ctx.aws.region}:${ctx.aws.accountId}:analyzer`,
        region: ctx.aws.region,
        analyzers: rows,
        active_external_analyzers: active,
        has_active_external_analyzer: active.length > 0,
      },
    ];
  },
});
