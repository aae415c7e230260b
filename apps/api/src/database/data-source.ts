import { DataSource } from 'typeorm';
import { ENTITIES } from './entities/index.js';

/**
 * The one TypeORM DataSource of the app. Schema changes come only from migrations/ (runMigrations);
 * `synchronize` stays off.
 */
export function createDataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, application_name: 'aepo-api' },
  });
}

/** Injection token of the DataSource provider. */
export const DATA_SOURCE = Symbol('DataSource');
