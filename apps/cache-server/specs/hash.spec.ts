import { isValidHash } from '../src/hash';

describe('isValidHash', () => {
  it.each(['13971680493877201290', 'abcDEF0123', 'a'.repeat(128)])('accepts %s', (hash) => {
    expect(isValidHash(hash)).toBe(true);
  });
  it.each(['', '..', '../etc/passwd', 'a/b', 'a%2fb', 'a.b', 'a'.repeat(129), 'ab\n'])('rejects %j', (hash) => {
    expect(isValidHash(hash)).toBe(false);
  });
});
