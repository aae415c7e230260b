import type { DataSource } from 'typeorm';
import type { Queryable } from './tx.js';

/** One column as Postgres stores it, or as an entity declares it, in comparable terms. */
export interface ColumnShape {
  table: string;
  column: string;
  /** Postgres' type name (information_schema udt_name): int8, timestamptz, _text (text[]) ... */
  type: string;
  nullable: boolean;
  /** Fractional-second digits of a timestamp column (Postgres' default 6), else null. */
  precision: number | null;
  primary: boolean;
}

/** TypeORM's type names as Postgres names them (udt_name). */
const UDT: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  jsonb: 'jsonb',
  bigint: 'int8',
  int8: 'int8',
  integer: 'int4',
  int: 'int4',
  int4: 'int4',
  boolean: 'bool',
  bool: 'bool',
  'double precision': 'float8',
  float8: 'float8',
};

const DEFAULT_TIMESTAMP_PRECISION = 6;

/** The columns the entities of `ds` declare (a relation's join column counted once). */
export function entityColumns(ds: DataSource): ColumnShape[] {
  const out = new Map<string, ColumnShape>();
  for (const meta of ds.entityMetadatas) {
    for (const c of meta.columns) {
      const declared = typeof c.type === 'string' ? c.type : String(c.type);
      const udt = UDT[declared] ?? `unknown type ${declared}`;
      out.set(`${meta.tableName}.${c.databaseName}`, {
        table: meta.tableName,
        column: c.databaseName,
        type: c.isArray ? `_${udt}` : udt,
        nullable: c.isNullable,
        precision: udt === 'timestamptz' ? (c.precision ?? DEFAULT_TIMESTAMP_PRECISION) : null,
        primary: c.isPrimary,
      });
    }
  }
  return [...out.values()];
}

/** The columns of every table of the `public` schema, with their primary keys. */
export async function databaseColumns(db: Queryable): Promise<ColumnShape[]> {
  const columns: {
    table_name: string;
    column_name: string;
    udt_name: string;
    is_nullable: string;
    datetime_precision: number | null;
  }[] = await db.query(
    `SELECT table_name, column_name, udt_name, is_nullable, datetime_precision
     FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const keys: { table_name: string; column_name: string }[] = await db.query(
    `SELECT k.table_name, k.column_name FROM information_schema.table_constraints t
     JOIN information_schema.key_column_usage k
       ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
     WHERE t.table_schema = 'public' AND t.constraint_type = 'PRIMARY KEY'`,
  );
  const primary = new Set(keys.map((k) => `${k.table_name}.${k.column_name}`));
  return columns.map((c) => ({
    table: c.table_name,
    column: c.column_name,
    type: c.udt_name,
    nullable: c.is_nullable === 'YES',
    precision: c.udt_name === 'timestamptz' ? c.datetime_precision : null,
    primary: primary.has(`${c.table_name}.${c.column_name}`),
  }));
}

const show = (c: ColumnShape) =>
  `${c.type}${c.precision === null ? '' : `(${c.precision})`}${c.nullable ? ' NULL' : ' NOT NULL'}${c.primary ? ' PRIMARY KEY' : ''}`;

/**
 * Every way the entities differ from the migrated schema, one line each: a table or column only one
 * side has, or a column whose type, precision, nullability or primary key differ. Tables in `ignore`
 * (owned by the migration runner itself) are left out.
 */
export function schemaDifferences(
  entities: ColumnShape[],
  database: ColumnShape[],
  ignore: readonly string[] = [],
): string[] {
  const key = (c: ColumnShape) => `${c.table}.${c.column}`;
  const inDb = new Map(database.filter((c) => !ignore.includes(c.table)).map((c) => [key(c), c]));
  const inEntities = new Map(entities.map((c) => [key(c), c]));
  const entityTables = new Set(entities.map((c) => c.table));
  const dbTables = new Set([...inDb.values()].map((c) => c.table));
  const out: string[] = [];
  for (const t of dbTables) if (!entityTables.has(t)) out.push(`table ${t}: no entity`);
  for (const t of entityTables) if (!dbTables.has(t)) out.push(`table ${t}: not in the schema`);
  for (const [k, e] of inEntities) {
    const d = inDb.get(k);
    if (!d) {
      if (dbTables.has(e.table)) out.push(`column ${k}: not in the schema`);
    } else if (show(e) !== show(d)) {
      out.push(`column ${k}: entity ${show(e)}, schema ${show(d)}`);
    }
  }
  for (const [k, d] of inDb)
    if (!inEntities.has(k) && entityTables.has(d.table)) out.push(`column ${k}: no entity column`);
  return out.sort();
}
