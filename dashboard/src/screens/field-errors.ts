// The API's message under a field only while the field still holds what was refused: once the
// merchant changes it, the message goes (the form's errors stay until the next save otherwise).
import { useRef } from "preact/hooks";
import type { Form } from "../hooks";

/** The value at a dotted path ("copy.fr.sticky_bar") of a plain object. */
export function valueAtPath(values: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((at, key) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined), values);
}

/**
 * `errorFor(path)`: the form's error for `path` while the value there is the one that was sent.
 * `valueAt` reads a field's value from the form's values by the API's path.
 */
export function useFieldErrors<T>(form: Form<T>, valueAt: (values: T, path: string) => unknown = valueAtPath): (path: string) => string | undefined {
  const sent = useRef<{ errors: Record<string, string>; values: T } | null>(null);
  // The form replaces its errors object on every save: the values of that render are the ones sent.
  if (sent.current?.errors !== form.errors) sent.current = { errors: form.errors, values: form.values };
  return (path) => {
    const message = form.errors[path];
    if (!message) return undefined;
    return valueAt(sent.current!.values, path) === valueAt(form.values, path) ? message : undefined;
  };
}
