/**
 * One control method as both ends know it: its name and the guard its answer must pass. The
 * params type rides along for the client's calls; the server validates params with the zod
 * schema of the method's handler (internal/control/handlers/). Zod-free, for the CLI's hot path.
 */
export interface MethodSpec<N extends string = string, P = unknown, R = unknown> {
  readonly name: N;
  readonly isResult: (x: unknown) => x is R;
  /** Type-only: the params this method takes (never set at run time). */
  readonly params?: P;
}

export type ParamsOf<M> = M extends MethodSpec<string, infer P, unknown> ? P : never;
export type ResultOf<M> = M extends MethodSpec<string, unknown, infer R> ? R : never;
