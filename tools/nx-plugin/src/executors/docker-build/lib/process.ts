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
    let pending = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: error.code === 'ENOENT' ? 127 : 1, output: `${command}: ${error.message}` }),
    );
    child.on('close', (code) => {
      if (pending) options.onLine?.(pending);
      resolve({ code: code ?? 1, output });
    });
  });
}

export const tail = (output: string, lines = 25): string => output.trimEnd().split('\n').slice(-lines).join('\n');
