/**
 * aws.iam.oidcProviders — the account's IAM OpenID Connect identity providers (ListOpenIDConnectProviders,
 * then GetOpenIDConnectProvider for each): the CI systems and other issuers whose tokens can be exchanged
 * for AWS credentials (AssumeRoleWithWebIdentity), with their audiences.
 */

import type { Row } from "../../../core/types.js";
import { issuerOf, providerKind } from "../../../policy/oidc-trust.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  GetOpenIDConnectProviderCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from "../../../providers/aws/sdk/client-iam.js";
import { asDate } from "../normalise.js";

export const oidcProviders = defineAwsQuery({
  id: "aws.iam.oidcProviders",
  scope: "account",
  title: "IAM OpenID Connect identity providers with their issuer and audiences",
  permissions: ["iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"],
  calls: ["IAM:ListOpenIDConnectProviders", "IAM:GetOpenIDConnectProvider"],
  fields: {
    provider_arn: "string: arn:aws:iam::<account>:oidc-provider/<issuer>",
    issuer: "string: the issuer (provider URL without https://)",
    provider_kind: "string: github | gitlab | other",
    audiences: "list<string>: client ids (audiences) the provider accepts",
    thumbprints: "list<string>: server certificate thumbprints",
    created: "timestamp?: when the provider was created",
    tags: "map<string, string>: tag key to value",
  },
  async fetch(ctx) {
    const iam = ctx.aws.client(IAMClient, ctx.aws.homeRegion);
    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const arns = (list.OpenIDConnectProviderList ?? []).map((p) => {
      if (!p.Arn) throw new Error("ListOpenIDConnectProviders answered a provider without Arn");
      return p.Arn;
    });
    const rows = await Promise.all(
      arns.map(async (arn): Promise<Row> => {
        const p = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
        const issuer = issuerOf(arn) ?? String(p.Url ?? arn).replace(/^https:\/\//, "");
        return {
          provider_arn: arn,
          issuer,
          provider_kind: providerKind(issuer),
          audiences: p.ClientIDList ?? [],
          thumbprints: p.ThumbprintList ?? [],
          created: asDate(p.CreateDate),
          tags: Object.fromEntries((p.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        };
      }),
    );
    return rows.sort((a, b) => String(a.provider_arn).localeCompare(String(b.provider_arn)));
  },
});
