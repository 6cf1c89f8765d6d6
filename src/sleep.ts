// The one pause of the process. It uses the global setTimeout (not node:timers/promises) so that tests
// can drive it on a fake clock (vi.useFakeTimers), which the weekly pacer's tests rely on.

export interface SleepOptions {
  /** Ends the pause early (resolves, does not reject): a stop must not wait out a back-off. */
  signal?: AbortSignal;
  /**
   * Unref the timer, so that a pause does not keep a stopped process alive. Off by default: a CLI whose
   * only pending work is a pause (a weekly pass waiting for its rate limit) must not exit mid-pass.
   */
  unref?: boolean;
}

export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const { signal, unref = false } = options;
  return new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
