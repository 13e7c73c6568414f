import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number;
  output: string;
}

/**
 * Run a command, streaming each output line to `onLine` as it comes, and keep
 * the combined output for error messages. A missing program gives code 127.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; onLine?: (line: string) => void },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    // One partial-line buffer per stream, so stdout and stderr never splice mid-line.
    const pending = { stdout: '', stderr: '' };
    const take = (stream: keyof typeof pending) => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      const lines = (pending[stream] + text).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code === 'ENOENT' ? 127 : 1, output: `${command}: ${error.message}` }));
    child.on('close', (code) => {
      for (const rest of Object.values(pending)) if (rest) options.onLine?.(rest);
      resolve({ code: code ?? 1, output });
    });
  });
}

export const tail = (output: string, lines = 25): string => output.trimEnd().split('\n').slice(-lines).join('\n');
