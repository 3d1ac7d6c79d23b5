/**
 * Compact aligned tables for a person reading a terminal: a header, one
 * line per row, two spaces between columns, no borders to wrap badly.
 */
import { visibleLength } from './color';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Right-align (numbers). @default false */
  alignRight?: boolean;
  /** Longer cells are cut with an ellipsis, so one long reason cannot push every column off screen. */
  maxWidth?: number;
}

function clip(text: string, maxWidth: number | undefined): string {
  const oneLine = text.replace(/\s*[\r\n]+\s*/g, ' ');
  if (maxWidth === undefined || oneLine.length <= maxWidth) return oneLine;
  return `${oneLine.slice(0, Math.max(1, maxWidth - 1))}…`;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return right ? fill + text : text + fill;
}

/** Renders rows under their headers; `header` is applied to the header cells (e.g. bold). */
export function renderTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  header: (text: string) => string = (text) => text,
): string {
  const cells = rows.map((row) => columns.map((column) => clip(column.value(row), column.maxWidth)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i] ?? ''))),
  );
  const line = (values: readonly string[], style: (text: string) => string = (text) => text) =>
    values
      .map((value, i) => {
        const column = columns[i];
        const isLast = i === values.length - 1;
        // The last column is not padded: no trailing spaces in copied output.
        return isLast && !column?.alignRight
          ? style(value)
          : style(pad(value, widths[i] ?? 0, column?.alignRight ?? false));
      })
      .join('  ');
  return [
    line(
      columns.map((column) => column.header),
      header,
    ),
    ...cells.map((values) => line(values)),
  ].join('\n');
}
