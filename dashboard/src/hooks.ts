// Loading and saving, the same way on every screen.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import i18next from "i18next";
import { ApiFailure } from "./api";
import { toast } from "./app-bridge";
import { addLeaveGuard } from "./router";
import { track } from "./analytics";

export interface Resource<T> {
  data: T | null;
  error: ApiFailure | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads on mount and whenever `deps` change; the last load wins (an older answer is dropped). */
export function useResource<T>(load: () => Promise<T>, deps: unknown[] = []): Resource<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiFailure | null; loading: boolean }>({ data: null, error: null, loading: true });
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const run = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await load();
      if (run === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (run === latest.current) setState((s) => ({ ...s, error: asFailure(error), loading: false }));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload };
}

export function asFailure(error: unknown): ApiFailure {
  return error instanceof ApiFailure ? error : new ApiFailure(0, "client_error", error instanceof Error ? error.message : String(error));
}

let saveBarCount = 0;

/**
 * App Bridge's save bar for a form: shown while `dirty`, its Save and Discard buttons call
 * `onSave` / `onDiscard`. Also guards leaving the screen (and the page) while dirty.
 */
export function useSaveBar(dirty: boolean, onSave: () => void, onDiscard: () => void, saving = false): void {
  const id = useRef(`loyalnest-save-bar-${++saveBarCount}`);
  const handlers = useRef({ onSave, onDiscard });
  handlers.current = { onSave, onDiscard };
  const bar = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const element = document.createElement("ui-save-bar");
    element.id = id.current;
    const save = document.createElement("button");
    save.setAttribute("variant", "primary");
    save.textContent = i18next.t("common:save");
    save.addEventListener("click", () => handlers.current.onSave());
    const discard = document.createElement("button");
    discard.textContent = i18next.t("common:discard");
    discard.addEventListener("click", () => handlers.current.onDiscard());
    element.append(save, discard);
    document.body.appendChild(element);
    bar.current = element;
    return () => {
      void window.shopify?.saveBar.hide(id.current);
      element.remove();
    };
  }, []);

  useEffect(() => {
    const save = bar.current?.querySelector("button[variant=primary]");
    if (save) save.toggleAttribute("loading", saving);
    if (dirty) void window.shopify?.saveBar.show(id.current);
    else void window.shopify?.saveBar.hide(id.current);
  }, [dirty, saving]);

  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener("beforeunload", beforeUnload);
    const removeGuard = addLeaveGuard(() => confirm(i18next.t("common:unsaved_leave")));
    return () => {
      removeEventListener("beforeunload", beforeUnload);
      removeGuard();
    };
  }, [dirty]);
}

export interface Form<T> {
  values: T;
  set: <K extends keyof T>(field: K, value: T[K]) => void;
  replace: (values: T) => void;
  dirty: boolean;
  saving: boolean;
  /** Field path (the API's `field`, e.g. "config.purchase") → its message. */
  errors: Record<string, string>;
  /** The failure no field owns (shown in a banner), or null. */
  formError: string | null;
  submit: () => Promise<boolean>;
  discard: () => void;
}

/**
 * A form over `initial` (the saved state). `save` sends the values and resolves with the saved
 * state the API answered (which becomes the new baseline). A failure keeps the merchant's input
 * and shows the API's message next to the field it names; nothing is half-saved because each
 * save is one API call. Wires the save bar and the leave guard.
 */
export function useForm<T>(initial: T, save: (values: T) => Promise<T>, options: { successMessage?: string } = {}): Form<T> {
  const [baseline, setBaseline] = useState(initial);
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dirty = JSON.stringify(values) !== JSON.stringify(baseline);

  const submit = async (): Promise<boolean> => {
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const saved = await save(values);
      setBaseline(saved);
      setValues(saved);
      toast(options.successMessage ?? i18next.t("common:saved"));
      track("loyalnest_dashboard_saved");
      return true;
    } catch (error) {
      const failure = asFailure(error);
      // A newer version saved elsewhere: said in the admin's language, with what to do next.
      const message =
        failure.code === "version_conflict"
          ? i18next.t("common:version_conflict")
          : failure.field
            ? failure.message.replace(new RegExp(`^${escapeRegExp(failure.field)}: `), "")
            : failure.message;
      if (failure.field) setErrors({ [failure.field]: message });
      else setFormError(message);
      toast(i18next.t("common:save_failed", { message }), { error: true });
      return false;
    } finally {
      setSaving(false);
    }
  };
  const discard = () => {
    setValues(baseline);
    setErrors({});
    setFormError(null);
  };
  useSaveBar(dirty, () => void submit(), discard, saving);
  return {
    values,
    set: (field, value) => {
      setValues((v) => ({ ...v, [field]: value }));
      // The merchant is fixing it: the API's message for this field no longer describes the input.
      if (errors[field as string]) setErrors(({ [field as string]: _, ...rest }) => rest);
    },
    replace: setValues,
    dirty,
    saving,
    errors,
    formError,
    submit,
    discard,
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
