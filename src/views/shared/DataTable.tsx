import { useState, type ReactNode } from 'react';

export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => ReactNode;
  /** The column that names the row (rendered as a row header). */
  readonly rowHeader?: boolean;
}

interface DataTableProps<T> {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  readonly rowKey: (row: T) => string | number;
}

/**
 * Every chart's data as a table a screen reader can walk. Rendered only once opened: a 4k-token
 * table in the DOM from the start would cost every re-render for nothing.
 */
export function DataTable<T>({ caption, columns, rows, rowKey }: DataTableProps<T>) {
  const [open, setOpen] = useState(false);
  return (
    <details className="data-table" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Show the data as a table ({rows.length} {rows.length === 1 ? 'row' : 'rows'})
      </summary>
      {open && (
        <div className="table-scroll">
          <table>
            <caption>{caption}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={rowKey(r)}>
                  {columns.map((c) =>
                    c.rowHeader ? (
                      <th key={c.header} scope="row">
                        {c.cell(r)}
                      </th>
                    ) : (
                      <td key={c.header}>{c.cell(r)}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}
