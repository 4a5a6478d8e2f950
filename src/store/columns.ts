/** `fhir_user` -> `fhirUser`, at the type level. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The named columns of a row, under their camelCase names. */
export type ColumnsOf<Row, K extends keyof Row & string> = { [C in K as CamelCase<C>]: Row[C] };

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * The plain columns of a row as a domain record's fields, named in camelCase.
 * Only the listed columns pass, so a new (or secret) column never leaks into
 * a record by accident; JSON columns and flags each store reads itself.
 *
 * @example
 *   columnsOf(row, ['id', 'fhir_user']) // { id: 'u1', fhirUser: 'Practitioner/1' }
 */
export function columnsOf<Row extends object, K extends keyof Row & string>(row: Row, columns: readonly K[]): ColumnsOf<Row, K> {
  return Object.fromEntries(columns.map((column) => [camelCase(column), row[column]])) as ColumnsOf<Row, K>;
}
