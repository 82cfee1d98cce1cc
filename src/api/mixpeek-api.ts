// The API as tools see it: one typed call for every operation of the table (operations.ts),
// sending exactly what the operation declares and reading its answer tolerantly. A tool declares
// the operations it sends, and `only` gives it an API that can send nothing else.
import type { ApiResponse, MixpeekClient } from "./client.js";
import { OPERATIONS, type Answer, type Body, type Operation, type Query } from "./operations.js";
import type { RouteParams } from "./routes.js";

type Has<T> = [T] extends [never] ? false : true;
/** What one call of `O` takes: its path parameters, and its query and body if it has them. */
export type Request<O extends Operation> =
  & { params: RouteParams<O> }
  & (Has<Query<O>> extends true ? { query?: Query<O> } : unknown)
  & (Has<Body<O>> extends true ? ((typeof OPERATIONS)[O] extends { bodyRequired: true } ? { body: Body<O> } : { body?: Body<O> }) : unknown);

/** An API that can send the operations `Ops`. */
export interface Api<Ops extends Operation = Operation> {
  call<O extends Ops>(operation: O, request: Request<O>, signal?: AbortSignal): Promise<ApiResponse<Answer<O>>>;
}

export class MixpeekApi implements Api {
  constructor(readonly client: MixpeekClient) {}

  call<O extends Operation>(operation: O, request: Request<O>, signal?: AbortSignal): Promise<ApiResponse<Answer<O>>> {
    const { params, query, body } = request as { params: RouteParams<O>; query?: Record<string, string | number | undefined>; body?: unknown };
    return this.client.call(operation, OPERATIONS[operation].answer, { params, query, body, signal }) as Promise<ApiResponse<Answer<O>>>;
  }

  /** The same API restricted to `operations`; any other is a programming error, refused before
   * anything is sent. */
  only<Ops extends Operation>(operations: readonly Ops[]): Api<Ops> {
    return {
      call: (operation, request, signal) => {
        if (!operations.includes(operation)) throw new Error(`${operation} is not among the operations this tool declares (${operations.join(", ")})`);
        return this.call(operation, request, signal);
      },
    };
  }
}
