/**
 * Nx task hashes are decimal strings today; other clients may use hex. Accept
 * only characters that can never form a path separator or a dot-segment, so a
 * hash can be used as a file or object name without escaping the store.
 */
const HASH_PATTERN = /^[A-Za-z0-9]{1,128}$/;

export function isValidHash(hash: string): boolean {
  return HASH_PATTERN.test(hash);
}
