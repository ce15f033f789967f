/**
 * github.repo.changes on an answer whose commit date cannot be read: that change is an error item (it can be
 * placed neither in nor outside the period), never silently left out of the population; the others are kept.
 * The query is called directly with a GraphQL answer in GitHub's shape (the schema's GitTimestamp is a string).
 */
import { describe, expect, it } from "vitest";
import { normaliseResult } from "../../src/core/query.js";
import { defaultBranchChanges } from "../../src/queries/github/changes.js";

const commit = (oid: string, committedDate: unknown, parent: string) => ({
  oid,
  committedDate,
  author: { name: "eve-admin", user: { login: "eve-admin" } },
  committer: { user: { login: "eve-admin" } },
  parents: { nodes: [{ oid: parent }] },
  associatedPullRequests: { totalCount: 0, nodes: [] },
});

const answer = {
  repository: {
    defaultBranchRef: {
      name: "main",
      target: {
        __typename: "Commit",
        history: {
          pageInfo: { hasNextPage: false, endCursor: null },
          nodes: [
            commit("b".repeat(40), "2026-10-02T10:00:00Z", "a".repeat(40)),
            commit("a".repeat(40), "not a date", "0".repeat(40)),
          ],
        },
      },
    },
  },
  rateLimit: { cost: 1, limit: 5000, remaining: 4999, resetAt: "2026-10-03T00:00:00Z" },
};

describe("github.repo.changes: a commit date that cannot be read", () => {
  it("is an error item for that change; the readable change is still tested", async () => {
    const ctx = {
      scope: { provider: "github", kind: "repository", unit: "acme/ledger", region: "global", key: "k" },
      now: new Date("2026-11-20T09:00:00Z"),
      period: { start: new Date("2026-08-22T00:00:00Z"), end: new Date("2026-11-20T00:00:00Z") },
      github: {
        repo: { full_name: "acme/ledger", owner: "acme", name: "ledger", default_branch: "main" },
        calls: { graphql: async () => answer },
      },
    } as unknown as Parameters<typeof defaultBranchChanges.fetch>[0];
    const result = normaliseResult(await defaultBranchChanges.fetch(ctx, {}));
    expect(result.rows.map((r) => r.sha)).toEqual(["b".repeat(40)]);
    expect(result.problems).toEqual([
      {
        message: `acme/ledger: commit ${"a".repeat(40)} has no readable committedDate ("not a date"): it cannot be placed in or outside the period`,
        item: { repository: "acme/ledger", change_id: `acme/ledger@${"a".repeat(40)}`, sha: "a".repeat(40) },
      },
    ]);
  });
});
