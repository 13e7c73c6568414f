import { createHash, timingSafeEqual } from 'node:crypto';

export type Scope = 'read' | 'read-write';

export interface TokenSpec {
  /** A label for logs; never the secret. */
  name: string;
  scope: Scope;
  /** The bearer token itself, or its SHA-256 hex digest (`sha256`). */
  token?: string;
  sha256?: string;
}

export interface Principal {
  name: string;
  scope: Scope;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' };

interface Entry extends Principal {
  digest: Buffer;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Bearer-token registry. Tokens are kept only as SHA-256 digests and every
 * digest is compared in constant time, so neither the comparison nor the
 * position of a match in the list leaks through timing.
 */
export class TokenRegistry {
  private readonly entries: Entry[];

  constructor(specs: readonly TokenSpec[]) {
    this.entries = specs.map((spec) => {
      if (spec.token !== undefined && spec.sha256 !== undefined) {
        throw new Error(`token "${spec.name}": give either token or sha256, not both`);
      }
      let digest: Buffer;
      if (spec.token !== undefined) {
        if (spec.token.length < 16) {
          throw new Error(`token "${spec.name}" is shorter than 16 characters`);
        }
        digest = sha256(spec.token);
      } else if (spec.sha256 !== undefined && /^[0-9a-f]{64}$/i.test(spec.sha256)) {
        digest = Buffer.from(spec.sha256, 'hex');
      } else {
        throw new Error(`token "${spec.name}" needs a token or a 64-hex-digit sha256`);
      }
      return { name: spec.name, scope: spec.scope, digest };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed' };
    const presented = sha256(match[1]);
    let found: Entry | undefined;
    for (const entry of this.entries) {
      // No early exit: every entry is compared whatever the outcome.
      if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry;
    }
    return found ? { ok: true, principal: { name: found.name, scope: found.scope } } : { ok: false, reason: 'unknown' };
  }
}

export function canWrite(principal: Principal): boolean {
  return principal.scope === 'read-write';
}
