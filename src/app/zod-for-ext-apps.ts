// What ext-apps' app.js uses of zod's `z`, as plain named imports the bundler can tree-shake
// (build-page.ts). A member missing here fails the browser tests at the page's first message.
import { any, array, boolean, config, literal, never, number, object, record, string, undefined as undefinedSchema, union, unknown } from "zod/v4";

export const z = { any, array, boolean, config, literal, never, number, object, record, string, undefined: undefinedSchema, union, unknown };
