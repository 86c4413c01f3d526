import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Translate } from "./translate";

const COPIED_FOR_MS = 2_500;

/**
 * A discount code and its Copy button. When the clipboard is refused (permissions, an insecure
 * page, an old browser) the code is selected instead, for the shopper's own Ctrl+C.
 * The copy state lives here, not in a model: it is only how the button looks for a moment.
 */
export function CodeBox({ code, t, label = "your_code", copyLabel = "copy" }: { code: string; t: Translate; label?: string; copyLabel?: string }) {
  const field = useRef<HTMLInputElement>(null);
  const copy = useSignal<"idle" | "copied" | "manual">("idle");

  useEffect(() => {
    if (copy.value !== "copied") return;
    const timer = setTimeout(() => (copy.value = "idle"), COPIED_FOR_MS);
    return () => clearTimeout(timer);
  }, [copy.value]);

  const onCopy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      copy.value = "copied";
    } catch {
      field.current?.select();
      copy.value = "manual";
    }
  };

  return (
    <div class="ln-code-box">
      <input class="ln-code" ref={field} readOnly value={code} aria-label={t(label)} onFocus={() => field.current?.select()} />
      <button type="button" class="ln-button ln-copy" onClick={onCopy} aria-live="polite">
        {copy.value === "copied" ? t("copied") : t(copyLabel)}
      </button>
      {copy.value === "manual" && <p class="ln-muted" role="status">{t("copy_manual")}</p>}
    </div>
  );
}
