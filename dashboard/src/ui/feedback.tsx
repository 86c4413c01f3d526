// Messages and states in Polaris's shapes: banners, badges, spinners, skeletons, empty states,
// progress, modals.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { useT } from "../i18n";
import type { ApiFailure } from "../api";

export function Banner({ tone = "info", title, children, onDismiss, action }: {
  tone?: "info" | "success" | "warning" | "critical";
  title?: string;
  children?: ComponentChildren;
  onDismiss?: () => void;
  action?: { content: string; onAction: () => void };
}) {
  return (
    <div class={`Polaris-Banner Polaris-Banner--${tone}`} role={tone === "critical" || tone === "warning" ? "alert" : "status"}>
      <div class="Polaris-Banner__Content">
        {title && <p class="Polaris-Text--headingSm">{title}</p>}
        {children}
        {action && (
          <button type="button" class="Polaris-Button" onClick={action.onAction}>
            {action.content}
          </button>
        )}
      </div>
      {onDismiss && (
        <button type="button" class="Polaris-Banner__Dismiss" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

/** A load that failed, with the API's message and a retry. */
export function LoadError({ error, onRetry }: { error: ApiFailure; onRetry: () => void }) {
  const t = useT("common");
  return <Banner tone="critical" title={t("load_failed", { message: error.message })} action={{ content: t("retry"), onAction: onRetry }} />;
}

export function Badge({ children, tone }: { children: ComponentChildren; tone?: "info" | "success" | "warning" | "critical" | "attention" }) {
  return <span class={`Polaris-Badge${tone ? ` Polaris-Badge--${tone}` : ""}`}>{children}</span>;
}

export function Spinner({ label }: { label?: string }) {
  const t = useT("common");
  return <span class="Polaris-Spinner" role="status" aria-label={label ?? t("loading")} />;
}

/** What a screen shows while its first load runs: the page's shape, greyed. */
export function SkeletonPage({ title }: { title: string }) {
  const t = useT("common");
  return (
    <main class="Polaris-Page" aria-busy="true" aria-label={t("loading")}>
      <header class="Polaris-Page__Header">
        <h1 class="Polaris-Text--headingLg">{title}</h1>
      </header>
      <div class="Polaris-Card">
        <div class="Polaris-Skeleton Polaris-Skeleton--heading" />
        <div class="Polaris-Skeleton" />
        <div class="Polaris-Skeleton" />
        <div class="Polaris-Skeleton Polaris-Skeleton--short" />
      </div>
    </main>
  );
}

export function EmptyState({ heading, children, action }: { heading: string; children?: ComponentChildren; action?: { content: string; onAction: () => void } }) {
  return (
    <div class="Polaris-EmptyState">
      <p class="Polaris-Text--headingMd">{heading}</p>
      {children && <div class="Polaris-Text--subdued">{children}</div>}
      {action && (
        <button type="button" class="Polaris-Button Polaris-Button--primary" onClick={action.onAction}>
          {action.content}
        </button>
      )}
    </div>
  );
}

/** `progress` 0–100. */
export function ProgressBar({ progress, label }: { progress: number; label: string }) {
  const value = Math.max(0, Math.min(100, Math.round(progress)));
  return (
    <div class="Polaris-ProgressBar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
      <div class="Polaris-ProgressBar__Indicator" style={{ width: `${value}%` }} />
    </div>
  );
}

/** A modal dialog: focus moves into it, Escape closes it, focus returns where it was. */
export function Modal({ open, title, onClose, children, primaryAction, secondaryAction }: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  primaryAction?: { content: string; onAction: () => void; loading?: boolean; destructive?: boolean; disabled?: boolean };
  secondaryAction?: { content: string; onAction: () => void };
}) {
  const id = useId();
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.querySelector<HTMLElement>("input, select, textarea, button")?.focus();
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    addEventListener("keydown", onKey);
    return () => {
      removeEventListener("keydown", onKey);
      before?.focus();
    };
  }, [open]);
  if (!open) return null;
  return (
    <div class="Polaris-Modal__Backdrop">
      <div class="Polaris-Modal" role="dialog" aria-modal="true" aria-labelledby={id} ref={dialog}>
        <header class="Polaris-Modal__Header">
          <h2 id={id} class="Polaris-Text--headingMd">
            {title}
          </h2>
          <button type="button" class="Polaris-Modal__Close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div class="Polaris-Modal__Body">{children}</div>
        {(primaryAction || secondaryAction) && (
          <footer class="Polaris-Modal__Footer">
            {secondaryAction && (
              <button type="button" class="Polaris-Button" onClick={secondaryAction.onAction}>
                {secondaryAction.content}
              </button>
            )}
            {primaryAction && (
              <button
                type="button"
                class={`Polaris-Button ${primaryAction.destructive ? "Polaris-Button--critical" : "Polaris-Button--primary"}`}
                onClick={primaryAction.onAction}
                disabled={primaryAction.loading || primaryAction.disabled}
                aria-busy={primaryAction.loading}
              >
                {primaryAction.content}
              </button>
            )}
          </footer>
        )}
      </div>
    </div>
  );
}
