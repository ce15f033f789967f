/**
 * Per-change evidence over the audit period: every change that reached a repository's default branch in
 * `--period`, the pull request it came through, and who approved it.
 *
 * A "change" is a commit on the default branch's first-parent line (what `git log --first-parent` shows): a
 * merge or squash commit made by merging a pull request, a rebased commit, or a direct push. Commits that came
 * in on a merged branch are part of the merge commit's change, not changes of their own.
 *
 * Requests per repository (REST; docs/performance.md has the figures for a large organization):
 * - the default branch's commits since the period start (`since`; no `until`, so the walk can start at the
 *   branch tip), 100 a page;
 * - the closed pull requests into the default branch, most recently updated first, paged only until they are
 *   older than the period (a pull request merged in the period was updated in it);
 * - only for a change whose SHA is no pull request's merge commit (rebase merges, direct pushes): the pull
 *   requests associated with that commit;
 * - for each pull request behind a change: its reviews and its commits (the last one's committer stands for
 *   the last pusher: REST does not name the pusher). A merge commit's second parent *is* the pull request's
 *   last commit, and it is usually in the branch listing already (it came in with the merge): then that
 *   commit answers, and the pull request's commits are not listed (one request saved per merge-commit merge).
 */
import type { Row } from "../../core/types.js";
import { defineGitHubQuery, repoOf } from "../../providers/github/context.js";
import { asTimestamp, loginOf } from "./normalise.js";

interface Commit {
  sha: string;
  parents: { sha: string }[];
  author: unknown;
  committer: unknown;
  commit: {
    author?: { name?: string; date?: string } | null;
    committer?: { name?: string; date?: string } | null;
  };
}

interface Pull {
  number: number;
  user: unknown;
  merged_at: string | null;
  merge_commit_sha: string | null;
  updated_at: string;
  base: { ref: string };
  title?: string;
}

interface Review {
  user: unknown;
  state: string;
  submitted_at?: string | null;
}

export const defaultBranchChanges = defineGitHubQuery({
  id: "github.repo.changes",
  scope: "repository",
  title: "Every change that reached the default branch in the period, with its pull request and approvals",
  calls: [
    "repos:listCommits",
    "pulls:list",
    "repos:listPullRequestsAssociatedWithCommit",
    "pulls:listReviews",
    "pulls:listCommits",
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
  async fetch(ctx): Promise<Row[]> {
    const repo = repoOf(ctx);
    const calls = ctx.github.calls;
    const at = repo.full_name;
    const where = { owner: repo.owner, repo: repo.name };
    const { start, end } = ctx.period;

    const commits = await calls.paged<Commit>("repos:listCommits", at, {
      ...where,
      sha: repo.default_branch,
      since: start.toISOString(),
    });
    const listed = new Map(commits.map((c) => [c.sha, c]));
    const changes = firstParentLine(commits).filter((c) => {
      const t = committedAt(c);
      return t !== null && t >= start && t <= end;
    });
    if (changes.length === 0) return [];

    const merged = new Map<string, Pull>();
    const pulls = await calls.paged<Pull>(
      "pulls:list",
      at,
      { ...where, state: "closed", base: repo.default_branch, sort: "updated", direction: "desc" },
      { stop: (page) => page.length > 0 && new Date(page[page.length - 1]!.updated_at) < start },
    );
    for (const p of pulls) if (p.merged_at && p.merge_commit_sha) merged.set(p.merge_commit_sha, p);

    const reviewsOf = memoByNumber((n) =>
      calls.paged<Review>("pulls:listReviews", at, { ...where, pull_number: n }),
    );
    const commitsOf = memoByNumber((n) =>
      calls.paged<Commit>("pulls:listCommits", at, { ...where, pull_number: n }),
    );

    const rows: Row[] = [];
    for (const c of changes) {
      let pr = merged.get(c.sha);
      if (!pr) {
        // Rebase merges and direct pushes: ask GitHub which pull request, if any, brought this commit.
        const assoc = await calls.paged<Pull>("repos:listPullRequestsAssociatedWithCommit", at, {
          ...where,
          commit_sha: c.sha,
        });
        pr = assoc.find((p) => p.merged_at && p.base?.ref === repo.default_branch);
      }
      const base = {
        repository: repo.full_name,
        default_branch: repo.default_branch,
        change_id: `${repo.full_name}@${c.sha}`,
        sha: c.sha,
        committed_at: committedAt(c),
        author: loginOf(c.author) ?? c.commit.author?.name ?? "(unknown)",
        merged_by_commit: loginOf(c.committer),
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
      // A merge commit of this pull request: its second parent is the pull request's head (its last commit).
      const head = pr.merge_commit_sha === c.sha && c.parents[1] ? listed.get(c.parents[1].sha) : undefined;
      const [reviews, prCommits] = await Promise.all([
        reviewsOf(pr.number),
        head ? Promise.resolve([head]) : commitsOf(pr.number),
      ]);
      const prAuthor = loginOf(pr.user);
      const last = prCommits[prCommits.length - 1];
      const lastPusher = last ? (loginOf(last.committer) ?? loginOf(last.author)) : null;
      const { approvers, dismissedWithoutNew } = judgeReviews(reviews, asTimestamp(pr.merged_at));
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
    return rows;
  },
});

/** The default branch's first-parent line within the listed commits, starting at the tip (the first one). */
export function firstParentLine(commits: Commit[]): Commit[] {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const line: Commit[] = [];
  const seen = new Set<string>();
  let c = commits[0];
  while (c && !seen.has(c.sha)) {
    seen.add(c.sha);
    line.push(c);
    const parent = c.parents[0]?.sha;
    c = parent ? bySha.get(parent) : undefined;
  }
  return line;
}

/**
 * GitHub's review semantics: a reviewer's latest approving or change-requesting review before the merge
 * decides (comments do not change it); a dismissed review counts as nothing and is flagged unless the same
 * reviewer approved again after it.
 */
export function judgeReviews(
  reviews: Review[],
  mergedAt: Date | null,
): { approvers: string[]; dismissedWithoutNew: string[] } {
  const before = reviews
    .filter((r) => {
      const t = asTimestamp(r.submitted_at);
      return t !== null && (mergedAt === null || t <= mergedAt);
    })
    .sort((a, b) => asTimestamp(a.submitted_at)!.getTime() - asTimestamp(b.submitted_at)!.getTime());
  const latest = new Map<string, string>();
  const dismissed = new Set<string>();
  for (const r of before) {
    const who = loginOf(r.user);
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

function committedAt(c: Commit): Date | null {
  return asTimestamp(c.commit.committer?.date ?? c.commit.author?.date);
}

function memoByNumber<T>(fn: (n: number) => Promise<T>): (n: number) => Promise<T> {
  const m = new Map<number, Promise<T>>();
  return (n) => {
    let p = m.get(n);
    if (!p) {
      p = fn(n);
      m.set(n, p);
    }
    return p;
  };
}
