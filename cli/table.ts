/** Renders rows as a plain-text table with a header rule, like nova-manage's listings. */
export function table(headers: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string {
  const cells = rows.map((row) => row.map((value) => (value === null || value === undefined ? '-' : String(value))));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`;
  const rule = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+`;
  return [rule, line(headers), rule, ...cells.map(line), rule].join('\n');
}
