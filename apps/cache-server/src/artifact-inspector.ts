import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { HttpError } from './http-error';

/**
 * What an Nx cache artifact must be: a gzip stream (CRC and length trailer
 * intact) holding a tar archive with the 4-byte big-endian exit `code` entry
 * the Nx client writes last. Anything else — a truncated body, flipped bytes,
 * random data — is rejected before it can be stored.
 */
export interface InspectionLimits {
  maxBytes: number;
  /** The declared Content-Length, when the client sent one. */
  expectedBytes?: number;
}

/**
 * A pass-through stream that counts, size-limits and inspects an upload while
 * it streams to storage. It fails (and so aborts the upload) at the first
 * violated rule; it ends only after the whole archive has been verified.
 */
export class ArtifactInspector extends Transform {
  private received = 0;
  private readonly gunzip: Gunzip;
  private readonly verdict: Promise<void>;

  constructor(private readonly limits: InspectionLimits) {
    super();
    this.gunzip = createGunzip();
    // Nx writes its `code` and `terminalOutput` entries with old (pre-POSIX)
    // tar headers; tar-stream reads them with this option, which its typings omit.
    const extractOptions = { allowUnknownFormat: true } as Parameters<typeof tarExtract>[0];
    const tar = tarExtract(extractOptions);
    let sawCode = false;
    let fail!: (error: Error) => void;
    this.verdict = new Promise<void>((resolve, reject) => {
      fail = (error: Error) =>
        reject(error instanceof HttpError ? error : new HttpError(400, `artifact rejected: not a valid gzip tar archive (${error.message})`));
      tar.on('finish', () => (sawCode ? resolve() : reject(new HttpError(400, 'artifact rejected: no exit code entry, not an Nx cache artifact'))));
    });
    this.gunzip.on('error', fail);
    tar.on('error', fail);
    tar.on('entry', (header, body, next) => {
      if (header.name === 'code') {
        if (header.size === 4) sawCode = true;
        else fail(new HttpError(400, 'artifact rejected: exit code entry is not 4 bytes'));
      }
      body.on('end', () => next());
      body.resume();
    });
    // Fail fast: a bad archive aborts the upload as soon as it is detected.
    this.verdict.catch((error: Error) => this.destroy(error));
    this.gunzip.pipe(tar);
  }

  get bytes(): number {
    return this.received;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limits.maxBytes) {
      callback(new HttpError(413, `artifact larger than the ${this.limits.maxBytes}-byte limit`));
      return;
    }
    if (this.limits.expectedBytes !== undefined && this.received > this.limits.expectedBytes) {
      callback(new HttpError(400, 'body longer than its Content-Length'));
      return;
    }
    this.push(chunk);
    if (this.gunzip.write(chunk)) callback();
    else this.gunzip.once('drain', () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (this.limits.expectedBytes !== undefined && this.received !== this.limits.expectedBytes) {
      callback(new HttpError(400, `truncated upload: ${this.received} of ${this.limits.expectedBytes} bytes`));
      return;
    }
    this.gunzip.end();
    this.verdict.then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.gunzip.destroy();
    callback(error);
  }
}
