/**
 * An AWS session: the credentials of one account (the caller's, or an assumed role in a member account) and
 * the SDK clients built on them — one per (service, region), each carrying the run's middleware.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { Recorder } from "../../recording/recorder.js";
import type { ReplayIndex } from "../../recording/store.js";
import { type CallIdentity, itgcMiddleware, type SessionInfo } from "./middleware.js";

export interface AwsEnvironment {
  recorder: Recorder;
  replay?: ReplayIndex;
  /** Bounds calls in flight over the whole run. */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  maxAttempts: number;
  retryMode: "standard" | "adaptive";
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
}

/** Credentials used in replay mode: requests are signed (the real code path) but never sent. */
const REPLAY_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: "AKIAREPLAYREPLAYREPL",
  secretAccessKey: "replay-mode-credentials-never-sent",
};

// biome-ignore lint/suspicious/noExplicitAny: any AWS SDK v3 client constructor
export type ClientCtor<T> = new (config: any) => T;

export class AwsSession implements SessionInfo {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly env: AwsEnvironment,
    private readonly credentials: AwsCredentialIdentityProvider | undefined,
    public accountId: string | undefined,
  ) {}

  /** True when answers come from a recording: pollers need not wait between attempts. */
  get replaying(): boolean {
    return this.env.replay !== undefined;
  }

  client<T extends { middlewareStack: { use(p: unknown): void } }>(Ctor: ClientCtor<T>, region: string): T {
    const key = `${Ctor.name}|${region}`;
    let client = this.clients.get(key) as T | undefined;
    if (!client) {
      client = new Ctor({
        region,
        maxAttempts: this.env.maxAttempts,
        retryMode: this.env.retryMode,
        ...(this.env.replay
          ? { credentials: REPLAY_CREDENTIALS }
          : this.credentials
            ? { credentials: this.credentials }
            : {}),
      });
      client.middlewareStack.use(
        itgcMiddleware({
          session: this,
          region,
          recorder: this.env.recorder,
          replay: this.env.replay,
          limit: this.env.limit,
          beforeReplayAttempt: this.env.beforeReplayAttempt,
        }),
      );
      this.clients.set(key, client);
    }
    return client;
  }
}
