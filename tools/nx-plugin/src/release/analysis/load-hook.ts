import { type ChildProcess, spawn } from 'node:child_process';
import { renderQuery } from './judge';

// Traffic while a release is analysed (Flagger's load-tester webhook is the model): the
// environment's `analysis.load.command` runs for the length of each canary and soak analysis and
// is stopped (SIGTERM) when it ends, so the analysis always has requests to judge. Placeholders:
// {{service}} {{namespace}} {{context}} {{path}} (the service's loadPath). The hook's own failure
// never passes or fails a release: no data stays inconclusive, judged as such.

/** The command with its placeholders filled; an unknown placeholder is a configuration error. */
export function renderLoadCommand(command: string[], vars: Record<string, string>): string[] {
  return command.map((arg) => renderQuery(arg, vars));
}

export interface RunningLoad {
  /** Stops the generator and resolves with its last line of output (its summary), if any. */
  stop(): Promise<string>;
}

export function startLoad(command: string[], cwd: string, log: (m: string) => void): RunningLoad {
  let output = '';
  let child: ChildProcess;
  try {
    child = spawn(command[0], command.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    log(`load: could not start ${command[0]}: ${(error as Error).message}; the analysis runs on whatever traffic there is`);
    return { stop: async () => '' };
  }
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      log(`load: ${command[0]}: ${error.message}; the analysis runs on whatever traffic there is`);
      resolve(null);
    });
  });
  log(`load: ${command.join(' ')}`);
  return {
    async stop() {
      // Only a child that started has a pid: kill() on one that failed to spawn can reach pid 0,
      // which is this whole process group.
      const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      const last = output.trim().split('\n').filter(Boolean).slice(-3).join('; ');
      if (last) log(`load: ${last}`);
      return last;
    },
  };
}
