import { formatDecimal, formatPercent, pnlClass } from '../lib/format';

describe('formatDecimal', () => {
  it.each([
    ['1234567.891', '1,234,567.891'],
    ['-2500', '-2,500'],
    ['999', '999'],
    ['0.00000001', '0.00000001'],
  ])('%s -> %s', (input, expected) => expect(formatDecimal(input)).toBe(expected));
});

describe('formatPercent', () => {
  it.each([
    ['0.1', '10%'],
    ['0.125', '12.5%'],
    ['0', '0%'],
    ['1', '100%'],
    ['-0.05', '-5%'],
    ['0.0010', '0.1%'],
  ])('%s -> %s', (input, expected) => expect(formatPercent(input)).toBe(expected));
});

describe('pnlClass', () => {
  it.each([
    ['12.5', 'gain'],
    ['-0.01', 'loss'],
    ['0', 'flat'],
    ['-0.00', 'flat'],
  ])('%s is %s', (input, expected) => expect(pnlClass(input)).toBe(expected));
});
