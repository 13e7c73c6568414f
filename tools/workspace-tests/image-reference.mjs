// What a cached workspace test hashes for each image it runs (its `images=` declaration): the
// pushed image's reference by digest from dist/<project>/image.json, the record
// `nx run-many -t docker-build -c push` writes. A rebuilt image with other content has another
// digest, so the test runs again; no record hashes as such (the test then fails on its own, naming it).
//   node tools/workspace-tests/image-reference.mjs <project>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const project = process.argv[2];
if (!project) {
  console.error('usage: node tools/workspace-tests/image-reference.mjs <project>');
  process.exit(2);
}
const root = join(import.meta.dirname, '../..');
try {
  const record = JSON.parse(readFileSync(join(root, 'dist', project, 'image.json'), 'utf8'));
  console.log(`${project}: ${record.reference ?? `not pushed, image ${record.imageId}`}`);
} catch (error) {
  console.log(`${project}: no image record (${error.code ?? error.message})`);
}
