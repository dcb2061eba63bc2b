/**
 * Runs `close` once on SIGTERM or SIGINT (a second signal forces exit), then exits with `code`.
 * `close` should stop accepting, finish in-flight requests, close sockets and storage.
 */
export function onShutdownSignal(close: (signal: string) => Promise<void>, log: (msg: string) => void, graceMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: draining and shutting down`);
    const timer = setTimeout(() => {
      log(`shutdown took longer than ${graceMs} ms: exiting`);
      process.exit(1);
    }, graceMs);
    timer.unref();
    close(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
