import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** Builds a gzip tar shaped like the ones Nx's client uploads. */
export async function nxArtifact(files: Record<string, string | Buffer> = { 'dist/out.txt': 'built' }, code = 0): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => archive.on('end', resolve));
  for (const [name, body] of Object.entries(files)) archive.entry({ name }, body);
  archive.entry({ name: 'terminalOutput' }, 'task output');
  const codeBytes = Buffer.alloc(4);
  codeBytes.writeUInt32BE(code);
  archive.entry({ name: 'code' }, codeBytes);
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
