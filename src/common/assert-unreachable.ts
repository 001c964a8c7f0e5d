/**
 * The `default` of a `switch` that names every member of a union: `value` is `never` there, so a
 * member added to the union and not to the switch is a compile error at the call.
 */
export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable: ${JSON.stringify(value)}`);
}
