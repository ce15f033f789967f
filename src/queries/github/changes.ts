/**
 * Per-change evidence over the audit period: every change that reached a repository's default branch in
 * `--period`, the pull request it came through, and who approved it.
 *
 * A "change" is a commit on the default branch's first-parent line (what `git log --first-parent` shows): a
 * merge or squash commit made by merging a pull request, a rebased commit, or a direct push. Commits that came
 * in on a merged branch are part of the merge commit's change, not changes of their own.
 *
 * One GraphQL query per 50 commits of history (docs/performance.md has the figures for a large organization;
 * REST needed ~51 requests a repository for the same evidence): the default branch's history since the
 * period start (no `until`, so the walk starts at the branch tip), each commit with its first parent and the
 * merged pull request that introduced it (GitHub's `associatedPullRequests`), that pull request's reviews
 * (state, author, submission time; DISMISSED included) and its last commit (whose committer stands for the last
 * pusher, as in the REST version). Follow-up queries only where one page does not hold everything:
 * - `CommitPullRequests`: a commit associated with more than one pull request (each page of 10);
 * - `PullRequestReviews`: a pull request with more than 100 reviews (each further page of 100).
 * Every query selects `rateLimit { cost … }`, so the GraphQL points it used are counted against the budget.
 */
import type { QueryResult } from "../../core/query.js";
import type { QueryProblem, Row } from "../../core/types.js";
import type { GraphqlDocument } from "../../providers/github/calls.js";
import { defineGitHubQuery, repoOf } from "../../providers/github/context.js";
import { describeDenied, GitHubGraphqlError } from "../../providers/github/errors.js";
import { asTimestamp, loginOf } from "./normalise.js";

/** The rate-limit selection every query carries (budget.ts reads it). */
const RATE_LIMIT = "rateLimit { cost limit remaining resetAt }";

/** What the evidence needs of a pull request: shared by the history query and the association follow-up. */
const PULL_REQUEST_FRAGMENT = `fragment ChangePullRequest on PullRequest {
  id
  number
  mergedAt
  baseRefName
  author { login }
  mergeCommit { oid }
  reviews(first: 100) { pageInfo { hasNextPage endCursor } nodes { author { login } state submittedAt } }
  commits(last: 1) { nodes { commit { author { user { login } } committer { user { login } } } } }
}`;

export const DEFAULT_BRANCH_CHANGES: GraphqlDocument = {
  operation: "DefaultBranchChanges",
  text: `query DefaultBranchChanges($owner: String!, $name: String!, $since: GitTimestamp!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    defaultBranchRef {
      name
      target {
        __typename
        ... on Commit {
          history(first: 50, since: $since, after: $cursor) {
            pageInfo { hasNextPage endCursor }
            nodes {
              oid
              committedDate
              author { name user { login } }
              committer { user { login } }
              parents(first: 1) { nodes { oid } }
              associatedPullRequests(first: 1) { totalCount nodes { ...ChangePullRequest } }
            }
          }
        }
      }
    }
  }
  ${RATE_LIMIT}
}
${PULL_REQUEST_FRAGMENT}`,
};

export const COMMIT_PULL_REQUESTS: GraphqlDocument = {
  operation: "CommitPullRequests",
  text: `query CommitPullRequests($owner: String!, $name: String!, $oid: GitObjectID!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) {
      ... on Commit {
        associatedPullRequests(first: 10, after: $cursor) {
          pageInfo { hasNextPage endCursor }
          nodes { ...ChangePullRequest }
        }
      }
    }
  }
  ${RATE_LIMIT}
}
${PULL_REQUEST_FRAGMENT}`,
};

export const PULL_REQUEST_REVIEWS: GraphqlDocument = {
  operation: "PullRequestReviews",
  text: `query PullRequestReviews($id: ID!, $cursor: String!) {
  node(id: $id) {
    ... on PullRequest {
      reviews(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { author { login } state submittedAt }
      }
    }
  }
  ${RATE_LIMIT}
}`,
};

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface GqlReview {
  author: { login?: string } | null;
  state: string;
  submittedAt: string | null;
}

interface GqlPullRequest {
  id: string;
  number: number;
  mergedAt: string | null;
  baseRefName: string;
  author: { login?: string } | null;
  mergeCommit: { oid: string } | null;
  reviews: { pageInfo: PageInfo; nodes: GqlReview[] } | null;
  commits: {
    nodes: { commit: { author: { user: unknown } | null; committer: { user: unknown } | null } }[];
  };
}

interface GqlCommit {
  oid: string;
  committedDate: string;
  author: { name: string | null; user: unknown } | null;
  committer: { user: unknown } | null;
  parents: { nodes: { oid: string }[] };
  associatedPullRequests: { totalCount: number; nodes: GqlPullRequest[] } | null;
}

interface HistoryAnswer {
  repository: {
    defaultBranchRef: {
      name: string;
      target: { __typename: string; history?: { pageInfo: PageInfo; nodes: GqlCommit[] } } | null;
    } | null;
  } | null;
}

/** A commit as the first-parent walk needs it. */
export interface LineCommit {
  sha: string;
  firstParent: string | null;
}

/** A review as the judgement needs it. */
export interface ReviewFact {
  author: string | null;
  state: string;
  submittedAt: string | null;
}

export const defaultBranchChanges = defineGitHubQuery({
  id: "github.repo.changes",
  scope: "repository",
  title: "Every change that reached the default branch in the period, with its pull request and approvals",
  calls: [
    `graphql:${DEFAULT_BRANCH_CHANGES.operation}`,
    `graphql:${COMMIT_PULL_REQUESTS.operation}`,
    `graphql:${PULL_REQUEST_REVIEWS.operation}`,
  ],
  fields: {
    repository: "string: owner/name",
    default_branch: "string: the branch the change reached",
    change_id: "string: owner/name@sha",
    sha: "string: the commit SHA on the default branch",
    committed_at: "timestamp: when the commit reached the branch (committer date)",
    author: "string: the commit author's login, or the git author name when GitHub cannot map it",
    direct_push: "bool: no merged pull request into the default branch is associated with this commit",
    pull_request: "double?: the pull request's number",
    pr_author: "string?: who opened the pull request",
    merged_by_commit: "string?: who committed the merge (the committer login of the change)",
    last_pusher: "string?: committer (else author) of the pull request's last commit: the last pusher",
    approvers: "list<string>: reviewers whose latest review before the merge is an approval",
    independent_approvals: "double: approvers other than the pull request's author and its last pusher",
    dismissed_without_new: "list<string>: reviewers with a dismissed review and no approval after it",
  },
  async fetch(ctx): Promise<Row[] | QueryResult> {
    const repo = repoOf(ctx);
    const at = repo.full_name;
    // A repository or pull request the token cannot see is a scope gap (error), said in words an auditor can act on.
    const calls = {
      graphql: <T>(doc: GraphqlDocument, account: string, variables: Record<string, unknown>) =>
        ctx.github.calls.graphql<T>(doc, account, variables).catch((e: unknown) => {
          if (e instanceof GitHubGraphqlError && (e.type === "NOT_FOUND" || e.type === "FORBIDDEN"))
            throw Object.assign(new Error(describeDenied(e, `repository ${at}`)), { name: e.name });
          throw e;
        }),
    };
    const where = { owner: repo.owner, name: repo.name };
    const { start, end } = ctx.period;

    // The default branch's history since the period start, page by page.
    const commits: GqlCommit[] = [];
    let cursor: string | null = null;
    do {
      const page: HistoryAnswer = await calls.graphql<HistoryAnswer>(DEFAULT_BRANCH_CHANGES, at, {
        ...where,
        since: start.toISOString(),
        cursor,
      });
      if (!page.repository) throw new Error(`${at}: GitHub answered no repository`);
      const ref = page.repository.defaultBranchRef;
      if (!ref) return []; // an empty repository has no default branch ref: no change reached it
      if (ref.name !== repo.default_branch)
        throw new Error(
          `${at}: the default branch is ${ref.name} now, ${repo.default_branch} when the repositories were listed; run again`,
        );
      const history = ref.target?.history;
      if (!history) throw new Error(`${at}: the default branch ${ref.name} does not point at a commit`);
      commits.push(...history.nodes);
      cursor = history.pageInfo.hasNextPage ? history.pageInfo.endCursor : null;
    } while (cursor);

    const byOid = new Map(commits.map((c) => [c.oid, c]));
    const line = firstParentLine(
      commits.map((c) => ({ sha: c.oid, firstParent: c.parents.nodes[0]?.oid ?? null })),
    ).map((l) => byOid.get(l.sha)!);
    // A change whose date cannot be read can be placed neither in nor outside the period: an error for that
    // change (never silently left out of the population), the others still tested.
    const problems: QueryProblem[] = line
      .filter((c) => asTimestamp(c.committedDate) === null)
      .map((c) => ({
        message: `${at}: commit ${c.oid} has no readable committedDate (${JSON.stringify(c.committedDate)}): it cannot be placed in or outside the period`,
        item: { repository: repo.full_name, change_id: `${repo.full_name}@${c.oid}`, sha: c.oid },
      }));
    const changes = line.filter((c) => {
      const t = asTimestamp(c.committedDate);
      return t !== null && t >= start && t <= end;
    });

    const mergedInto = (p: GqlPullRequest) => p.mergedAt !== null && p.baseRefName === repo.default_branch;
    /** The merged pull request into the default branch that brought `c`: its merge commit first. */
    const pullRequestOf = async (c: GqlCommit): Promise<GqlPullRequest | undefined> => {
      const assoc = c.associatedPullRequests;
      let candidates = assoc?.nodes ?? [];
      if (assoc && assoc.totalCount > candidates.length) candidates = await allAssociated(c.oid);
      const merged = candidates.filter(mergedInto);
      return merged.find((p) => p.mergeCommit?.oid === c.oid) ?? merged[0];
    };
    const allAssociated = async (oid: string): Promise<GqlPullRequest[]> => {
      const out: GqlPullRequest[] = [];
      let after: string | null = null;
      do {
        type Answer = {
          repository: {
            object: { associatedPullRequests?: { pageInfo: PageInfo; nodes: GqlPullRequest[] } } | null;
          } | null;
        };
        const page: Answer = await calls.graphql<Answer>(COMMIT_PULL_REQUESTS, at, {
          ...where,
          oid,
          cursor: after,
        });
        const conn = page.repository?.object?.associatedPullRequests;
        if (!conn) throw new Error(`${at}: commit ${oid} is no longer found`);
        out.push(...conn.nodes);
        after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      } while (after);
      return out;
    };
    const reviewsOf = memoById(async (pr: GqlPullRequest): Promise<ReviewFact[]> => {
      if (!pr.reviews) throw new Error(`${at}: the reviews of pull request #${pr.number} were not returned`);
      const out = [...pr.reviews.nodes];
      let after = pr.reviews.pageInfo.hasNextPage ? pr.reviews.pageInfo.endCursor : null;
      while (after) {
        type Answer = { node: { reviews?: { pageInfo: PageInfo; nodes: GqlReview[] } | null } | null };
        const page: Answer = await calls.graphql<Answer>(PULL_REQUEST_REVIEWS, at, {
          id: pr.id,
          cursor: after,
        });
        const conn = page.node?.reviews;
        if (!conn) throw new Error(`${at}: the reviews of pull request #${pr.number} were not returned`);
        out.push(...conn.nodes);
        after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      }
      return out.map((r) => ({ author: loginOf(r.author), state: r.state, submittedAt: r.submittedAt }));
    });

    const rows: Row[] = [];
    for (const c of changes) {
      const pr = await pullRequestOf(c);
      const base = {
        repository: repo.full_name,
        default_branch: repo.default_branch,
        change_id: `${repo.full_name}@${c.oid}`,
        sha: c.oid,
        committed_at: asTimestamp(c.committedDate),
        author: loginOf(c.author?.user) ?? c.author?.name ?? "(unknown)",
        merged_by_commit: loginOf(c.committer?.user),
      };
      if (!pr) {
        rows.push({
          ...base,
          direct_push: true,
          pull_request: null,
          pr_author: null,
          last_pusher: null,
          approvers: [],
          independent_approvals: 0,
          dismissed_without_new: [],
        });
        continue;
      }
      const reviews = await reviewsOf(pr.id, pr);
      const prAuthor = loginOf(pr.author);
      const last = pr.commits.nodes[pr.commits.nodes.length - 1]?.commit;
      const lastPusher = last ? (loginOf(last.committer?.user) ?? loginOf(last.author?.user)) : null;
      const { approvers, dismissedWithoutNew } = judgeReviews(reviews, asTimestamp(pr.mergedAt));
      rows.push({
        ...base,
        direct_push: false,
        pull_request: pr.number,
        pr_author: prAuthor,
        last_pusher: lastPusher,
        approvers,
        independent_approvals: approvers.filter((a) => a !== prAuthor && a !== lastPusher).length,
        dismissed_without_new: dismissedWithoutNew,
      });
    }
    return problems.length > 0 ? { rows, problems } : rows;
  },
});

/** The default branch's first-parent line within the listed commits, starting at the tip (the first one). */
export function firstParentLine<T extends LineCommit>(commits: T[]): T[] {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const line: T[] = [];
  const seen = new Set<string>();
  let c = commits[0];
  while (c && !seen.has(c.sha)) {
    seen.add(c.sha);
    line.push(c);
    c = c.firstParent ? bySha.get(c.firstParent) : undefined;
  }
  return line;
}

/**
 * GitHub's review semantics: a reviewer's latest approving or change-requesting review before the merge
 * decides (comments do not change it); a dismissed review counts as nothing and is flagged unless the same
 * reviewer approved again after it.
 */
export function judgeReviews(
  reviews: ReviewFact[],
  mergedAt: Date | null,
): { approvers: string[]; dismissedWithoutNew: string[] } {
  const before = reviews
    .filter((r) => {
      const t = asTimestamp(r.submittedAt);
      return t !== null && (mergedAt === null || t <= mergedAt);
    })
    .sort((a, b) => asTimestamp(a.submittedAt)!.getTime() - asTimestamp(b.submittedAt)!.getTime());
  const latest = new Map<string, string>();
  const dismissed = new Set<string>();
  for (const r of before) {
    const who = r.author;
    if (!who) continue;
    if (r.state === "DISMISSED") {
      dismissed.add(who);
      latest.set(who, "DISMISSED");
    } else if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED") {
      latest.set(who, r.state);
      if (r.state === "APPROVED") dismissed.delete(who);
    }
  }
  const approvers = [...latest].filter(([, s]) => s === "APPROVED").map(([w]) => w);
  return { approvers: approvers.sort(), dismissedWithoutNew: [...dismissed].sort() };
}

/** Once per key (a rebase merge's commits share one pull request, whose review pages are read once). */
function memoById<A, T>(fn: (a: A) => Promise<T>): (key: string, a: A) => Promise<T> {
  const m = new Map<string, Promise<T>>();
  return (key, a) => {
    let p = m.get(key);
    if (!p) {
      p = fn(a);
      m.set(key, p);
    }
    return p;
  };
}
