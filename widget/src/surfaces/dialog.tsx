// A modal dialog for the popups: labelled and described, focus moved in and kept in (Tab and
// Shift+Tab wrap), Escape, the close button and a click outside close it, and focus goes back to
// where it was (inside any shadow root) when it closes.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The element with focus, looking through open shadow roots (the launcher's among them). */
function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : null;
}

export function Dialog(props: { id: string; closeLabel: string; onClose: () => void; children: ComponentChildren }) {
  const { id, closeLabel, onClose } = props;
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = deepActiveElement();
    const first = box.current?.querySelector<HTMLElement>("input") ?? box.current;
    first?.focus();
    return () => {
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== "Tab" || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const active = (box.current.getRootNode() as ShadowRoot).activeElement;
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      event.preventDefault();
    } else if (event.shiftKey && (active === first || active === box.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div class="lns-backdrop" onClick={(event) => event.target === event.currentTarget && onClose()}>
      <div
        class="lns-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        tabIndex={-1}
        ref={box}
        onKeyDown={onKeyDown}
      >
        <button type="button" class="lns-close" aria-label={closeLabel} onClick={onClose}>
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <path d="M3 3l10 10M13 3L3 13" />
          </svg>
        </button>
        {props.children}
      </div>
    </div>
  );
}
