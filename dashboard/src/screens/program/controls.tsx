// Inputs bound to a form of flat API-path keys (fields.ts): each shows the API's message for
// its own key beside itself.
import { useEffect } from "preact/hooks";
import { ApiFailure } from "../../api";
import { navigate } from "../../router";
import type { Form } from "../../hooks";
import { Banner, Checkbox, Select, TextField } from "../../ui";
import { useT } from "../../i18n";
import { errorFor, failureField, fieldMessage, type FormValues } from "./fields";

type TextProps = Omit<Parameters<typeof TextField>[0], "value" | "onChange" | "label" | "name" | "error">;

export function FormText({ form, field, label, ...rest }: { form: Form<FormValues>; field: string; label: string } & TextProps) {
  return <TextField name={field} label={label} value={String(form.values[field] ?? "")} onChange={(value) => form.set(field, value)} error={errorFor(form.errors, field)} {...rest} />;
}

export function FormSelect({ form, field, label, options, helpText, disabled }: {
  form: Form<FormValues>;
  field: string;
  label: string;
  options: { label: string; value: string }[];
  helpText?: string;
  disabled?: boolean;
}) {
  return (
    <Select name={field} label={label} value={String(form.values[field] ?? "")} onChange={(value) => form.set(field, value)} options={options} helpText={helpText} disabled={disabled} error={errorFor(form.errors, field)} />
  );
}

export function FormCheck({ form, field, label, helpText, disabled }: { form: Form<FormValues>; field: string; label: string; helpText?: string; disabled?: boolean }) {
  return <Checkbox name={field} label={label} checked={form.values[field] === true} onChange={(checked) => form.set(field, checked)} helpText={helpText} disabled={disabled} error={errorFor(form.errors, field)} />;
}

/** The failure no input owns (a conflict, the network), or "fix the fields" when one does. */
export function FormBanner({ form }: { form: Form<FormValues> }) {
  const t = useT("common");
  if (form.formError) return <Banner tone="critical" title={t("save_failed", { message: form.formError })} />;
  if (Object.keys(form.errors).length) return <Banner tone="critical" title={t("fix_errors")} />;
  return null;
}

/**
 * Runs a write and, when it fails, names the field the failure is about (the API's `field`,
 * a code that belongs to one input, or the zod path its message starts with), so the form
 * shows the message beside that input.
 */
export async function withField<T>(write: () => Promise<T>, codeFields: Record<string, string> = {}): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof ApiFailure) || error.status !== 400) throw error;
    const field = failureField(error, codeFields);
    throw new ApiFailure(error.status, error.code, fieldMessage(error.message, field), field);
  }
}

/** Select options for an enum, labelled by `<prefix>_<value>` keys. */
export const enumOptions = (values: readonly string[], label: (value: string) => string) => values.map((value) => ({ value, label: label(value) }));

/**
 * Moves a form created at `<list>/new` to its own address once saved (`createdId`) and clean, so
 * a reload opens what was created. After the save, not inside it: while the form is still dirty
 * the leave guard would ask the merchant whether to drop the changes just saved.
 */
export function useAddressOf(createdId: string | undefined, dirty: boolean, list: string): void {
  useEffect(() => {
    if (createdId && !dirty) navigate(`${list}/${encodeURIComponent(createdId)}`, { replace: true });
  }, [createdId, dirty]);
}
