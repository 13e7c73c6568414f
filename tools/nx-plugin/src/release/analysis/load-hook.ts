import { type ChildProcess, spawn } from 'node:child_process';
import { COLOR_LABEL, TRACK_LABEL } from '@trading/release-model';
import { renderQuery } from './judge';
import { type LoadMeasure, type LoadSecond, measureLoad, parseLoadLine } from './load-measures';
import type { QueryResult } from './prometheus';

// Traffic while a release is analysed (Flagger's load-tester webhook is the model): the
// environment's `analysis.load.command` runs for the length of each canary and soak analysis and
// is stopped (SIGTERM) when it ends, so the analysis always has requests to judge. Placeholders:
// {{service}} {{namespace}} {{context}} {{path}} (the service's loadPath), {{requests}} (its request
// mix as JSON: loadRequests, e.g. the engine's orders on its synthetic instrument) and {{pods}}: for a
// service judged on the generator's own requests (metrics with provider load), the label selector
// of the pods being judged (the canary's, or the new colour's in a soak), which the generator then
// requests directly; for any other service empty, and the traffic goes through its Service. The
// generator's per-second lines (load-measures.ts) are the load metrics' data. The hook's own
// failure never passes or fails a release: no data stays inconclusive, judged as such.

/**
 * The kubectl label selector of the pods an analysis judges: `target` as the metrics' {{target}}
 * has it (Prometheus' relabelled names: color, track), in the pods' own labels.
 */
export function podSelector(service: string, target: Record<string, string>): string {
  const labels: Record<string, string> = { color: COLOR_LABEL, track: TRACK_LABEL };
  return [
    `app.kubernetes.io/name=${service}`,
    ...Object.entries(target).map(([key, value]) => {
      if (!labels[key]) throw new Error(`no pod label for the analysis target ${key}`);
      return `${labels[key]}=${value}`;
    }),
  ].join(',');
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
}

/** A service's analysis load, {{requests}}: its loadRequests, else a GET of its loadPath, else of its readiness probe. */
export function loadRequests(service: { loadRequests?: LoadRequest[]; loadPath?: string; probes: { readiness: string } }): LoadRequest[] {
  return service.loadRequests ?? [{ method: 'GET', path: service.loadPath ?? service.probes.readiness }];
}

/** {{requests}}: a lone GET as its path (`/api/status`, as a log reads best), any other mix as JSON (tools/load/traffic.mjs reads both). */
export function requestsArgument(requests: LoadRequest[]): string {
  const [only] = requests;
  return requests.length === 1 && only.method === 'GET' && only.body === undefined ? only.path : JSON.stringify(requests);
}

/** The command with its placeholders filled; an unknown placeholder is a configuration error. */
export function renderLoadCommand(command: string[], vars: Record<string, string>): string[] {
  return command.map((arg) => renderQuery(arg, vars));
}

export interface RunningLoad {
  /** Stops the generator and resolves with its last line of output (its summary), if any. */
  stop(): Promise<string>;
  /** One measure over the requests that ended in the last `windowMs` (load metrics). */
  measure(measure: LoadMeasure, windowMs: number): QueryResult;
}

export function startLoad(command: string[], cwd: string, log: (m: string) => void): RunningLoad {
  let output = '';
  let child: ChildProcess;
  const notStarted = { inconclusive: `the load generator ${command[0]} did not start` };
  try {
    child = spawn(command[0], command.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    log(`load: could not start ${command[0]}: ${(error as Error).message}; the analysis runs on whatever traffic there is`);
    return { stop: async () => '', measure: () => notStarted };
  }
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  // stdout: the per-second lines (kept for an hour: the longest soak) and the summary at the end.
  const seconds: LoadSecond[] = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const second = parseLoadLine(line);
      if (!second) collect(Buffer.from(`${line}\n`));
      else if (seconds.push(second) > 3600) seconds.shift();
    }
  });
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
    measure: (measure, windowMs) => (child.pid === undefined ? notStarted : measureLoad(seconds, measure, Date.now() - windowMs, Date.now())),
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
