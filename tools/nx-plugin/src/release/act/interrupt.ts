/**
 * SIGINT/SIGTERM during a deploy (a cancelled CI job, Ctrl-C): run `cleanup` once (remove this
 * run's canaries, release its leases; every phase is already recorded in the cluster, so a rerun
 * resumes), say what was left, and exit with the signal's status. Returns the uninstaller.
 */
export function onInterrupt(
  cleanup: (signal: NodeJS.Signals) => Promise<string>,
  log: (m: string) => void,
  exit: (code: number) => void = (c) => process.exit(c),
): () => void {
  let running = false;
  const handler = (signal: NodeJS.Signals) => {
    if (running) return;
    running = true;
    cleanup(signal)
      .then((left) => log(`interrupted (${signal}): ${left}`))
      .catch((error: Error) => log(`interrupted (${signal}); cleanup failed: ${error.message}`))
      .finally(() => exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
