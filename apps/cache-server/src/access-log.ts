export interface AccessRecord {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  /** The token's name, never the token. */
  principal: string | null;
  remote: string | undefined;
  detail?: string;
}

export type AccessLogger = (record: AccessRecord) => void;

/** One JSON line per request on the given stream; secrets never reach it. */
export const jsonLineLogger =
  (write: (line: string) => void = (line) => process.stdout.write(line)): AccessLogger =>
  (record) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
