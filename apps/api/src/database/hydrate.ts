import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Maps a raw row (snake_case columns, from hand-written SQL such as `... FOR UPDATE SKIP LOCKED
 * RETURNING *`) to an entity instance using the entity's TypeORM column metadata and transformers.
 */
export function hydrate<T extends ObjectLiteral>(
  ds: DataSource,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const meta = ds.getMetadata(target);
  const entity = meta.create() as T;
  for (const column of meta.columns) {
    if (!(column.databaseName in row)) continue;
    let value = row[column.databaseName];
    const transformer = column.transformer;
    if (transformer && !Array.isArray(transformer)) value = transformer.from(value);
    (entity as Record<string, unknown>)[column.propertyName] = value;
  }
  return entity;
}
