/**
 * Parts of the `ledger` tables every pane draws: the heading row and the row that says a table
 * is empty. Headings of figures are right-aligned (`num`) like their cells, and a column with no
 * visible heading (row actions) still names itself to screen readers; both rules live here once.
 */
import type { ReactNode } from "react";

export type ColumnSpec = {
  label: ReactNode;
  className?: string;
  title?: string;
  /** The heading is read out but not shown (a column of buttons). */
  screenReaderOnly?: boolean;
};

/** A column by its heading; null where a column is left out (a role that cannot act). */
export type Column = string | ColumnSpec | null;

/** A column of figures. */
export function numeric(label: ReactNode): ColumnSpec {
  return { label, className: "num" };
}

export function screenReaderOnly(label: string): ColumnSpec {
  return { label, screenReaderOnly: true };
}

export function LedgerHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) => {
          if (column === null) return null;
          const { label, className, title, screenReaderOnly: hidden }: ColumnSpec =
            typeof column === "string" ? { label: column } : column;
          return (
            <th key={index} scope="col" className={className} title={title}>
              {hidden ? <span className="sr-only">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/** The one row of a table with no rows, spanning all `columns`. */
export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className="table-empty">
        {children}
      </td>
    </tr>
  );
}
