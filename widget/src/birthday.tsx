import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { PanelStore } from "./panel-store";

const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);
/** February has 29: a leap-day birthday is a real one. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Month and day (no year: nothing to gain from it); once saved, shown and no longer editable. */
export function BirthdayForm({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const format = store.format.value;
  const actions = store.actions.value;
  const step = store.birthdayStep.value;
  const month = useSignal("");
  const day = useSignal("");
  const invalid = useSignal(false);
  const saved = useRef<HTMLParagraphElement>(null);
  const monthField = useRef<HTMLSelectElement>(null);
  const birthday = actions.state === "ready" ? actions.data.birthday : null;
  const wasSet = useRef(!!birthday);

  // Focus follows the form when it turns into the saved birthday, never dropped to <body>.
  useLayoutEffect(() => {
    if (birthday && !wasSet.current) saved.current?.focus();
    wasSet.current = !!birthday;
  }, [birthday]);

  const errorKey = step.kind === "error" ? `birthday_error_${step.code}` : "";
  const failed = errorKey && (t(errorKey) === errorKey ? t("birthday_error") : t(errorKey));
  if (actions.state === "loading") return <p class="ln-muted">{t("loading")}</p>;
  if (birthday) {
    // A birthday saved meanwhile (another tab) shows with why this one was not.
    return (
      <div class="ln-action">
        <p class="ln-done" ref={saved} tabIndex={-1}>
          {t("birthday_set", { date: format.monthDay(birthday.month, birthday.day) })}
        </p>
        {failed && (
          <p class="ln-error-text" role="alert">
            {failed}
          </p>
        )}
      </div>
    );
  }

  const submit = (event: Event) => {
    event.preventDefault();
    const m = Number(month.value);
    const d = Number(day.value);
    invalid.value = !m || !d || d > DAYS_IN_MONTH[m - 1]!;
    if (invalid.value) monthField.current?.focus();
    else void store.saveBirthday({ month: m, day: d });
  };
  const saving = step.kind === "saving";
  const error = invalid.value ? t("birthday_invalid") : failed;
  const described = error ? "ln-birthday-error" : undefined;
  return (
    <form class="ln-birthday" onSubmit={submit} noValidate>
      <label>
        {t("birthday_month")}
        <select ref={monthField} value={month.value} aria-invalid={invalid.value} aria-describedby={described} disabled={saving} onChange={(event) => (month.value = event.currentTarget.value)}>
          <option value="">–</option>
          {MONTHS.map((m) => (
            <option key={m} value={m}>
              {format.month(m)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("birthday_day")}
        <select value={day.value} aria-invalid={invalid.value} aria-describedby={described} disabled={saving} onChange={(event) => (day.value = event.currentTarget.value)}>
          <option value="">–</option>
          {Array.from({ length: 31 }, (_, i) => (
            <option key={i} value={i + 1}>
              {i + 1}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="ln-button" disabled={saving}>
        {saving ? t("birthday_saving") : t("birthday_save")}
      </button>
      {error && (
        <p id="ln-birthday-error" class="ln-error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
