// The one way a screen lists records: the load error, the "none yet" text when there are none,
// else a table with a caption and column headers a screen reader announces with every cell.
// Links and buttons inside cells stay ordinary focusable controls, so Tab, Enter and a scanner
// typing into the screen's scan field work as before; a row can be marked (the scanned item,
// the chosen hit) through `rowClassName`.
import type { ReactNode } from 'react';
import { FormError } from './forms.tsx';

export interface Column<Row> {
  header: ReactNode;
  cell(row: Row): ReactNode;
  /** Class of this column's cells (`nowrap`, `mono`). */
  className?: string | undefined;
}

export interface DataTableProps<Row> {
  caption: ReactNode;
  columns: readonly Column<Row>[];
  /** `undefined` while loading: nothing is drawn yet. */
  rows: readonly Row[] | undefined;
  rowKey(row: Row): string | number;
  rowClassName?: ((row: Row) => string | undefined) | undefined;
  /** Said instead of the table when there are no rows; without it an empty table is drawn. */
  empty?: ReactNode;
  /** The error of loading (or of a row action), shown above. */
  error?: unknown;
}

export function DataTable<Row>({ caption, columns, rows, rowKey, rowClassName, empty, error }: DataTableProps<Row>) {
  const none = rows !== undefined && rows.length === 0 && empty !== undefined;
  return (
    <>
      {error !== undefined && <FormError error={error} />}
      {none && <p>{empty}</p>}
      {rows !== undefined && !none && (
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col">
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={rowKey(r)} className={rowClassName?.(r)}>
                {columns.map((c, i) => (
                  <td key={i} className={c.className}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
