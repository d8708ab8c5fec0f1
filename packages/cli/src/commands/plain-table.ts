/**
 * Rows as a plain table: each column padded to its widest cell, two spaces between columns,
 * trailing spaces trimmed, every line ending in a newline. The first row is the header.
 */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
