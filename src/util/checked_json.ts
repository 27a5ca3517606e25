// JSON read back from a file this program wrote (a checkpoint's hook states), checked against its schema where it
// enters instead of cast from unknown.
import type { z, ZodTypeAny } from 'zod';

/** `json` checked against `schema` and returned as it is — not rebuilt, so its fields keep the order they were
 * written in and a resumed run writes them back unchanged. Throws an Error naming `what` and the first mismatch. */
export function checkedJson<T extends ZodTypeAny>(schema: T, json: unknown, what: string): z.infer<T> {
  if (fits(schema, json)) return json;
  const issue = schema.safeParse(json).error?.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new Error(`${what}: not the state this program writes${at}: ${issue?.message ?? 'invalid'}`);
}

function fits<T extends ZodTypeAny>(schema: T, json: unknown): json is z.infer<T> {
  return schema.safeParse(json).success;
}
