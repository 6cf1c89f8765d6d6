import type { Logger } from "../logger.js";
import type { SendFinish } from "../store/weekly-types.js";

// Finished sends are written a few dozen at a time, one statement for all of them, instead of one each.
// This keeps exactly-once: a send whose "sent" is still in the buffer when the process dies stays pending
// in the store; its lease lapses, and whoever picks it up first finds the prompt's metadata in the DM
// (conversations.history) and records it as sent without posting again (docs/weekly-sender.md "Crash
// recovery").

const FLUSH_AT = 50;
const FLUSH_AFTER_MS = 100;

export class FinishBuffer {
  private pending: SendFinish[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (finishes: SendFinish[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  add(finish: SendFinish): void {
    this.pending.push(finish);
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
  }

  /** Writes everything added so far; resolves once it (and any earlier write) is in the store. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      // Writes go one after another, so a send's "sent" never overtakes an earlier write for it.
      this.writing = this.writing.then(() =>
        this.write(batch).catch((err) =>
          // Left pending: the lease lapses and the DM's metadata settles each one (see above).
          this.logger.warn(
            { count: batch.length, err: { message: (err as Error).message } },
            "weekly finish not saved",
          ),
        ),
      );
    }
    return this.writing;
  }
}
