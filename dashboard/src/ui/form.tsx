// Form controls in Polaris's shapes. Each control with an `error` shows it under itself, tied to
// the input by aria-describedby and aria-invalid, as Polaris does.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export function FormLayout({ children, onSubmit }: { children: ComponentChildren; onSubmit?: () => void }) {
  return (
    <form
      class="Polaris-FormLayout"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit?.();
      }}
    >
      {children}
    </form>
  );
}

export function InlineError({ id, message }: { id: string; message: string }) {
  return (
    <p id={id} class="Polaris-InlineError" role="alert">
      {message}
    </p>
  );
}

interface FieldProps {
  label: string;
  helpText?: string;
  error?: string | null;
  disabled?: boolean;
  /** A stable name for tests and the API field it edits (e.g. "config.purchase"). */
  name?: string;
}

function Described({ id, helpText, error }: { id: string; helpText?: string; error?: string | null }) {
  return (
    <>
      {helpText && (
        <p id={`${id}-help`} class="Polaris-Text--subdued Polaris-Text--bodySm">
          {helpText}
        </p>
      )}
      {error && <InlineError id={`${id}-error`} message={error} />}
    </>
  );
}

const describedBy = (id: string, helpText?: string, error?: string | null) => [helpText ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

export function TextField({ label, value, onChange, type = "text", helpText, error, disabled, name, placeholder, multiline, suffix, prefix, min, max, step, autoComplete = "off" }: FieldProps & {
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "number" | "email" | "date" | "search" | "color" | "url" | "datetime-local";
  placeholder?: string;
  multiline?: number;
  prefix?: string;
  suffix?: string;
  min?: number | string;
  max?: number | string;
  step?: number | string;
  autoComplete?: string;
}) {
  const id = useId();
  const common = {
    id,
    name,
    value,
    disabled,
    placeholder,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy(id, helpText, error),
    onInput: (event: Event) => onChange((event.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`Polaris-TextField${error ? " Polaris-TextField--error" : ""}`}>
      <label for={id} class="Polaris-Label">
        {label}
      </label>
      <div class="Polaris-TextField__Input">
        {prefix && <span class="Polaris-TextField__Prefix">{prefix}</span>}
        {multiline ? <textarea {...common} rows={multiline} /> : <input {...common} {...({ type } as { type: "text" })} min={min} max={max} step={step} autoComplete={autoComplete} />}
        {suffix && <span class="Polaris-TextField__Suffix">{suffix}</span>}
      </div>
      <Described id={id} helpText={helpText} error={error} />
    </div>
  );
}

export function Select({ label, value, onChange, options, helpText, error, disabled, name }: FieldProps & { value: string; onChange: (value: string) => void; options: { label: string; value: string }[] }) {
  const id = useId();
  return (
    <div class={`Polaris-Select${error ? " Polaris-Select--error" : ""}`}>
      <label for={id} class="Polaris-Label">
        {label}
      </label>
      <select id={id} name={name} value={value} disabled={disabled} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, helpText, error)} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value)}>
        {options.map((option) => (
          <option value={option.value}>{option.label}</option>
        ))}
      </select>
      <Described id={id} helpText={helpText} error={error} />
    </div>
  );
}

export function Checkbox({ label, checked, onChange, helpText, error, disabled, name }: FieldProps & { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div class="Polaris-Checkbox">
      <input id={id} name={name} type="checkbox" checked={checked} disabled={disabled} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, helpText, error)} onChange={(event) => onChange((event.currentTarget as HTMLInputElement).checked)} />
      <label for={id} class="Polaris-Label">
        {label}
      </label>
      <Described id={id} helpText={helpText} error={error} />
    </div>
  );
}

export function Button({ children, onClick, variant = "secondary", type = "button", disabled, loading, ariaLabel, url }: {
  children: ComponentChildren;
  onClick?: () => void;
  variant?: "primary" | "secondary" | "plain" | "critical";
  type?: "button" | "submit";
  disabled?: boolean;
  loading?: boolean;
  ariaLabel?: string;
  /** A link styled as a button (a download, an outside page). */
  url?: string;
}) {
  const className = `Polaris-Button${variant === "secondary" ? "" : ` Polaris-Button--${variant}`}${loading ? " Polaris-Button--loading" : ""}`;
  if (url) {
    return (
      <a class={className} href={url} aria-label={ariaLabel} target="_blank" rel="noopener">
        {children}
      </a>
    );
  }
  return (
    <button type={type} class={className} onClick={onClick} disabled={disabled || loading} aria-busy={loading} aria-label={ariaLabel}>
      {children}
    </button>
  );
}
