/** Format a decimal string with thousands separators, without converting it to a float. */
export function formatDecimal(value: string): string {
  const negative = value.startsWith('-');
  const [whole, frac] = (negative ? value.slice(1) : value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** A fraction such as "0.125" as a percentage such as "12.5%", by moving the decimal point. */
export function formatPercent(fraction: string): string {
  const negative = fraction.startsWith('-');
  const [whole, frac = ''] = (negative ? fraction.slice(1) : fraction).split('.');
  const padded = frac.padEnd(2, '0');
  const intPart = (whole + padded.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const fracPart = padded.slice(2).replace(/0+$/, '');
  return `${negative ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}%`;
}

export function pnlClass(value: string): 'gain' | 'loss' | 'flat' {
  if (!/[1-9]/.test(value)) return 'flat';
  return value.startsWith('-') ? 'loss' : 'gain';
}
