import {
  type Compilable,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** The tables as kysely sees them in generic code: any table, any column. */
export type AnyDatabase = Record<string, Record<string, unknown>>;

let compiler: Kysely<AnyDatabase> | undefined;

/**
 * A kysely instance that only compiles: queries are built with it once, and their SQL is
 * prepared on each connection, so hot paths skip kysely's per-call compile and prepare.
 */
export function queryBuilder(): Kysely<AnyDatabase> {
  compiler ??= new Kysely<AnyDatabase>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  return compiler;
}

const slotPrefix = '\u0000goosuke-slot:';

/**
 * A placeholder for a value given at execution time, for queries compiled once with
 * {@link compileTemplate}. Typed as whatever the builder expects at that position.
 */
export function slot<T = string>(name: string): T {
  return `${slotPrefix}${name}` as unknown as T;
}

/** SQL compiled once, with its parameters bound by slot name at each execution. */
export interface QueryTemplate {
  readonly sql: string;
  /** The positional parameters for `values` (a value per slot name). */
  bind(values: Readonly<Record<string, unknown>>): unknown[];
}

/**
 * Compiles `query` once. Parameters built with {@link slot} are filled from the values given
 * to `bind`; any other parameter keeps the value it was compiled with.
 */
export function compileTemplate(query: Compilable): QueryTemplate {
  const compiled = query.compile();
  const parameters = compiled.parameters.map((parameter) =>
    typeof parameter === 'string' && parameter.startsWith(slotPrefix)
      ? { slot: parameter.slice(slotPrefix.length), value: undefined }
      : { slot: undefined, value: parameter },
  );
  return {
    sql: compiled.sql,
    bind(values) {
      const bound = new Array<unknown>(parameters.length);
      for (let index = 0; index < parameters.length; index++) {
        const parameter = parameters[index]!;
        bound[index] = parameter.slot === undefined ? parameter.value : values[parameter.slot];
      }
      return bound;
    },
  };
}
