/** The part of an executor's schema.json the normaliser reads. */
export interface ExecutorSchema {
  properties: Record<string, object>;
}

/**
 * An executor's options with schema.json's defaults filled in, the only place defaults come from:
 * Nx applies them when it runs a target, and each executor's normaliser applies the same ones when
 * its code is called directly (tests, other executors), so no default is written twice.
 */
export function withSchemaDefaults<T extends object>(schema: ExecutorSchema, options: T): T {
  const defaults = Object.fromEntries(
    Object.entries(schema.properties)
      .map(([k, p]) => [k, (p as { default?: unknown }).default] as const)
      .filter(([, d]) => d !== undefined)
      .map(([k, d]) => [k, structuredClone(d)]),
  );
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...defaults, ...given } as T;
}
