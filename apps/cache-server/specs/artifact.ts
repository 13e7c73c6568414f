import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** A tar archive of the given entries, in order. */
export async function tarOf(entries: Array<[name: string, body: string | Buffer]>): Promise<Buffer> {
  const archive = pack();
  for (const [name, body] of entries) archive.entry({ name }, body);
  archive.finalize();
  return buffer(archive as unknown as NodeJS.ReadableStream);
}

/** A gzip tar shaped like the ones Nx's client uploads: outputs, terminal output, 4-byte exit code. */
export async function nxArtifact(files: Record<string, string | Buffer> = { 'dist/out.txt': 'built' }, code = 0): Promise<Buffer> {
  const codeBytes = Buffer.alloc(4);
  codeBytes.writeUInt32BE(code);
  return gzipSync(await tarOf([...Object.entries(files), ['terminalOutput', 'task output'], ['code', codeBytes]]));
}
