/**
 * A local stand-in for GitHub's GraphQL endpoint, for the tests' GitHub server (fixtures/lib/github-server.ts)
 * and the large-organization benchmark (github.ts). It does not pattern-match our queries: it EXECUTES each
 * document with the reference implementation (graphql-js) against GitHub's own public schema, as published in
 * @octokit/graphql-schema (a development dependency), resolving fields from a model of repositories. So a field,
 * argument or type our queries use that GitHub does not have fails validation here exactly as GitHub would
 * answer it (HTTP 200, `errors`), and the tests fail.
 *
 * What it reproduces of GitHub's behaviour, from GitHub's GraphQL documentation:
 * - connections need `first` or `last` (1 to 100), a query at most 500,000 nodes: MISSING_PAGINATION_BOUNDARIES / EXCESSIVE_PAGINATION errors;
 *   opaque cursors; `pageInfo`, `totalCount`;
 * - a repository the token cannot see: `repository` is null with a NOT_FOUND error ("Could not resolve to a
 *   Repository with the name 'owner/name'."), HTTP 200;
 * - `rateLimit { cost … }`: the query's cost by GitHub's published formula (the requests needed to fulfil each
 *   connection at its `first`/`last`, summed, ÷ 100, rounded, minimum 1), charged to a separate points budget;
 * - `Commit.history` (git log order from the commit, `since` / `until` by committer date),
 *   `Commit.associatedPullRequests` (the merged pull request that introduced the commit).
 * Only the part of the schema the models can answer resolves; any other field resolves to null.
 */
import {
  buildClientSchema,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  graphql,
  type IntrospectionQuery,
  Kind,
  parse,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

export interface StandInActor {
  name: string;
  /** The GitHub user the git identity maps to (null: none). */
  login: string | null;
}

export interface StandInCommit {
  sha: string;
  committedDate: string;
  author: StandInActor;
  committer: StandInActor;
  parents: string[];
}

export interface StandInReview {
  author: string | null;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING" | string;
  submittedAt: string | null;
}

export interface StandInPull {
  /** The global node id (`PR_…`). */
  id: string;
  number: number;
  author: string;
  mergedAt: string | null;
  baseRefName: string;
  mergeCommitSha: string | null;
  reviews: StandInReview[];
  /** The pull request's commits, oldest first. */
  commits: StandInCommit[];
}

export interface StandInRepository {
  nameWithOwner: string;
  defaultBranch: string;
  /** The default branch's history from the tip, in git log order (merged-branch commits included). */
  history: StandInCommit[];
  pulls: StandInPull[];
  /** Associations beyond a merge commit and the pull request's own commits (a rebase merge's new SHAs). */
  associated?: Record<string, number[]>;
}

export interface StandInGitHub {
  /** undefined: the token cannot see it (NOT_FOUND). */
  repository(owner: string, name: string): StandInRepository | undefined;
  /** A pull request by its node id. */
  pullRequest(id: string): { repo: StandInRepository; pull: StandInPull } | undefined;
}

export interface GraphqlPoints {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface GraphqlAnswer {
  body: { data?: unknown; errors?: unknown[] };
  cost: number;
}

let cached: Promise<GraphQLSchema> | undefined;

/**
 * GitHub's schema, built once per process from the introspection result the package ships (schema.json, the
 * same schema as its schema.graphql; building from it takes half the time of parsing the SDL, which also
 * defines two fields of EnterpriseOwnerInfo twice). Loaded on the first GraphQL request only (test files
 * that never send one do not pay for it); `assumeValid`: it is GitHub's own schema — documents are still
 * validated against it in full.
 */
export function githubSchema(): Promise<GraphQLSchema> {
  cached ??= import("@octokit/graphql-schema").then(({ schema }) => {
    const json = schema.json as { data?: IntrospectionQuery } & Partial<IntrospectionQuery>;
    return buildClientSchema(json.data ?? (json as IntrospectionQuery), { assumeValid: true });
  });
  return cached;
}

/** GitHub's cost formula for a document (see the module comment); `nodes` is the most nodes it may return. */
export function queryCost(
  doc: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): { cost: number; requests: number; nodes: number } {
  const fragments = new Map(
    doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const op = doc.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  let requests = 0;
  let nodes = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FRAGMENT_SPREAD) walk(fragments.get(s.name.value)?.selectionSet, multiplier);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, multiplier);
      else {
        const size = pageSize(s, variables);
        if (size === undefined) walk(s.selectionSet, multiplier);
        else {
          requests += multiplier;
          nodes += multiplier * size;
          walk(s.selectionSet, multiplier * size);
        }
      }
    }
  };
  if (op?.kind === Kind.OPERATION_DEFINITION) walk(op.selectionSet, 1);
  return { cost: Math.max(1, Math.round(requests / 100)), requests, nodes };
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number | undefined {
  for (const a of field.arguments ?? [])
    if (a.name.value === "first" || a.name.value === "last") {
      const v = valueFromASTUntyped(a.value, variables);
      if (typeof v === "number") return v;
    }
  return undefined;
}

/** Answers one POST /graphql body; charges `points` the query's cost (RATE_LIMITED when they do not cover it). */
export async function answerGraphql(
  gh: StandInGitHub,
  request: { query?: unknown; variables?: unknown; operationName?: unknown },
  points: GraphqlPoints,
): Promise<GraphqlAnswer> {
  if (typeof request.query !== "string")
    return {
      body: { errors: [{ message: "A query attribute must be specified and must be a string." }] },
      cost: 0,
    };
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
  let doc: DocumentNode;
  try {
    doc = parse(request.query);
  } catch (e) {
    return { body: { errors: [{ message: (e as Error).message }] }, cost: 0 };
  }
  const { cost, nodes } = queryCost(doc, variables, operationName);
  if (nodes > 500_000)
    return {
      body: {
        errors: [
          {
            type: "MAX_NODE_LIMIT_EXCEEDED",
            message: `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of 500,000.`,
          },
        ],
      },
      cost: 0,
    };
  if (points.remaining < cost)
    return {
      body: {
        errors: [{ type: "RATE_LIMITED", message: "API rate limit already exceeded for user ID 1001." }],
      },
      cost: 0,
    };
  points.remaining -= cost;
  const rateLimit = {
    cost,
    limit: points.limit,
    remaining: points.remaining,
    used: points.limit - points.remaining,
    resetAt: points.resetAt.toISOString(),
    nodeCount: nodes,
  };
  const result = await graphql({
    schema: await githubSchema(),
    source: request.query,
    variableValues: variables,
    ...(operationName ? { operationName } : {}),
    rootValue: rootOf(gh, rateLimit),
  });
  const body: GraphqlAnswer["body"] = {};
  if (result.data !== undefined) body.data = result.data;
  if (result.errors?.length) body.errors = result.errors.map(githubError);
  return { body, cost };
}

/** GitHub puts an error's type at the top level of the entry (`"type": "NOT_FOUND"`), not under extensions. */
function githubError(e: GraphQLError): Record<string, unknown> {
  const { type, ...extensions } = (e.extensions ?? {}) as { type?: string };
  return {
    ...(type ? { type } : {}),
    ...(e.path ? { path: e.path } : {}),
    ...(e.locations ? { locations: e.locations } : {}),
    message: e.message,
    ...(Object.keys(extensions).length ? { extensions } : {}),
  };
}

const typed = (type: string, message: string) => new GraphQLError(message, { extensions: { type } });

type Args = Record<string, unknown>;
type Info = { fieldName: string; parentType: { name: string } };

/** A connection page with GitHub's argument rules; cursors are opaque (base64 of the position). */
export function connection<T>(all: T[], args: Args, info: Info) {
  const first = args.first as number | null | undefined;
  const last = args.last as number | null | undefined;
  const name = `${info.parentType.name}.${info.fieldName}`;
  if (first == null && last == null)
    throw typed(
      "MISSING_PAGINATION_BOUNDARIES",
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${info.fieldName}\` connection.`,
    );
  for (const [arg, v] of [
    ["first", first],
    ["last", last],
  ] as const)
    if (v != null && (v < 1 || v > 100))
      throw typed(
        "EXCESSIVE_PAGINATION",
        `Requesting ${v} records on the \`${name}\` connection exceeds the \`${arg}\` limit of 100 records.`,
      );
  const at = (c: unknown) =>
    Number(
      Buffer.from(String(c), "base64")
        .toString("utf8")
        .replace(/^cursor:v2:/, ""),
    );
  let start = args.after ? at(args.after) + 1 : 0;
  let end = args.before ? at(args.before) : all.length;
  if (first != null) end = Math.min(end, start + first);
  if (last != null) start = Math.max(start, end - last);
  const cursor = (i: number) => Buffer.from(`cursor:v2:${i}`).toString("base64");
  const indices = Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
  return {
    totalCount: all.length,
    nodes: indices.map((i) => all[i]),
    edges: indices.map((i) => ({ cursor: cursor(i), node: all[i] })),
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: indices.length ? cursor(indices[0]!) : null,
      endCursor: indices.length ? cursor(indices[indices.length - 1]!) : null,
    },
  };
}

/** The root value: Query fields resolved from the model (graphql-js calls function-valued properties with args). */
function rootOf(gh: StandInGitHub, rateLimit: Record<string, unknown>) {
  return {
    rateLimit: () => rateLimit,
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = gh.repository(owner, name);
      if (!repo)
        throw typed("NOT_FOUND", `Could not resolve to a Repository with the name '${owner}/${name}'.`);
      return repositoryNode(repo);
    },
    node: ({ id }: { id: string }) => {
      const found = gh.pullRequest(id);
      if (!found) throw typed("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'`);
      return pullNode(found.repo, found.pull);
    },
  };
}

function repositoryNode(repo: StandInRepository) {
  const bySha = new Map(repo.history.map((c, i) => [c.sha, i]));
  const commitNode = (c: StandInCommit): Record<string, unknown> => ({
    __typename: "Commit",
    id: Buffer.from(`C_${c.sha}`).toString("base64"),
    oid: c.sha,
    committedDate: c.committedDate,
    author: gitActor(c.author, c.committedDate),
    committer: gitActor(c.committer, c.committedDate),
    parents: (args: Args, _ctx: unknown, info: Info) =>
      connection(
        c.parents.map((p) => {
          const i = bySha.get(p);
          return i === undefined ? { __typename: "Commit", oid: p } : commitNode(repo.history[i]!);
        }),
        args,
        info,
      ),
    history: (args: Args, _ctx: unknown, info: Info) => {
      const from = bySha.get(c.sha) ?? 0;
      const since = args.since ? Date.parse(String(args.since)) : -Infinity;
      const until = args.until ? Date.parse(String(args.until)) : Infinity;
      const line = repo.history.slice(from).filter((x) => {
        const t = Date.parse(x.committedDate);
        return t >= since && t <= until;
      });
      return connection(line.map(commitNode), args, info);
    },
    associatedPullRequests: (args: Args, _ctx: unknown, info: Info) =>
      connection(
        repo.pulls
          .filter(
            (p) =>
              p.mergedAt !== null &&
              p.baseRefName === repo.defaultBranch &&
              (p.mergeCommitSha === c.sha ||
                p.commits.some((x) => x.sha === c.sha) ||
                (repo.associated?.[c.sha] ?? []).includes(p.number)),
          )
          .map((p) => pullNode(repo, p)),
        args,
        info,
      ),
  });
  const tip = repo.history[0];
  return {
    __typename: "Repository",
    nameWithOwner: repo.nameWithOwner,
    defaultBranchRef: tip
      ? { __typename: "Ref", name: repo.defaultBranch, prefix: "refs/heads/", target: commitNode(tip) }
      : null,
    object: ({ oid }: { oid?: string }) => {
      const i = oid ? bySha.get(oid) : undefined;
      return i === undefined ? null : commitNode(repo.history[i]!);
    },
  };
}

function pullNode(repo: StandInRepository, p: StandInPull) {
  return {
    __typename: "PullRequest",
    id: p.id,
    number: p.number,
    merged: p.mergedAt !== null,
    mergedAt: p.mergedAt,
    baseRefName: p.baseRefName,
    author: actor(p.author),
    mergeCommit: p.mergeCommitSha ? { __typename: "Commit", oid: p.mergeCommitSha } : null,
    reviews: (args: Args, _ctx: unknown, info: Info) =>
      connection(
        p.reviews.map((r) => ({
          __typename: "PullRequestReview",
          author: r.author ? actor(r.author) : null,
          state: r.state,
          submittedAt: r.submittedAt,
        })),
        args,
        info,
      ),
    commits: (args: Args, _ctx: unknown, info: Info) =>
      connection(
        p.commits.map((c) => ({
          __typename: "PullRequestCommit",
          commit: {
            __typename: "Commit",
            oid: c.sha,
            committedDate: c.committedDate,
            author: gitActor(c.author, c.committedDate),
            committer: gitActor(c.committer, c.committedDate),
          },
        })),
        args,
        info,
      ),
    repository: { nameWithOwner: repo.nameWithOwner },
  };
}

function gitActor(a: StandInActor, date: string) {
  return { name: a.name, date, user: a.login ? { __typename: "User", login: a.login } : null };
}

function actor(login: string) {
  return { __typename: login.endsWith("[bot]") ? "Bot" : "User", login };
}
