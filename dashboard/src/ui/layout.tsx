// Page structure in Polaris's shapes: a page with its title and primary action, sections, cards.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { setTitle } from "../app-bridge";

export interface Action {
  content: string;
  onAction: () => void;
  loading?: boolean;
  disabled?: boolean;
  destructive?: boolean;
}

export function Page({ title, subtitle, primaryAction, secondaryActions = [], children, narrow = false }: {
  title: string;
  subtitle?: string;
  primaryAction?: Action;
  secondaryActions?: Action[];
  children: ComponentChildren;
  narrow?: boolean;
}) {
  useEffect(() => setTitle(title), [title]);
  return (
    <main class={`Polaris-Page${narrow ? " Polaris-Page--narrow" : ""}`} aria-labelledby="page-title">
      <header class="Polaris-Page__Header">
        <div>
          <h1 id="page-title" class="Polaris-Text--headingLg">{title}</h1>
          {subtitle && <p class="Polaris-Text--subdued">{subtitle}</p>}
        </div>
        <div class="Polaris-Page__Actions">
          {secondaryActions.map((action) => (
            <button type="button" class="Polaris-Button" onClick={action.onAction} disabled={action.disabled || action.loading} aria-busy={action.loading}>
              {action.content}
            </button>
          ))}
          {primaryAction && (
            <button type="button" class="Polaris-Button Polaris-Button--primary" onClick={primaryAction.onAction} disabled={primaryAction.disabled || primaryAction.loading} aria-busy={primaryAction.loading}>
              {primaryAction.content}
            </button>
          )}
        </div>
      </header>
      <div class="Polaris-Page__Content">{children}</div>
    </main>
  );
}

/** Polaris's annotated layout: a section's title and description beside its cards. */
export function Layout({ children }: { children: ComponentChildren }) {
  return <div class="Polaris-Layout">{children}</div>;
}

export function Section({ title, description, children }: { title?: string; description?: string; children: ComponentChildren }) {
  return (
    <section class={`Polaris-Layout__Section${title ? " Polaris-Layout__Section--annotated" : ""}`}>
      {title && (
        <div class="Polaris-Layout__Annotation">
          <h2 class="Polaris-Text--headingMd">{title}</h2>
          {description && <p class="Polaris-Text--subdued">{description}</p>}
        </div>
      )}
      <div class="Polaris-Layout__Body">{children}</div>
    </section>
  );
}

export function Card({ title, children, actions }: { title?: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="Polaris-Card">
      {(title || actions) && (
        <div class="Polaris-Card__Header">
          {title && <h2 class="Polaris-Text--headingSm">{title}</h2>}
          {actions && <div class="Polaris-Card__Actions">{actions}</div>}
        </div>
      )}
      <div class="Polaris-Card__Body">{children}</div>
    </div>
  );
}

export function Stack({ children, gap = "400", direction = "column", align }: { children: ComponentChildren; gap?: "100" | "200" | "300" | "400" | "500"; direction?: "row" | "column"; align?: "start" | "center" | "end" | "space-between" }) {
  return <div class={`Polaris-Stack Polaris-Stack--${direction} Polaris-Stack--gap${gap}${align ? ` Polaris-Stack--${align}` : ""}`}>{children}</div>;
}

export function Text({ children, variant = "bodyMd", tone, as: Tag = "p" }: { children: ComponentChildren; variant?: "headingLg" | "headingMd" | "headingSm" | "bodyMd" | "bodySm"; tone?: "subdued" | "critical" | "success"; as?: "p" | "span" | "h2" | "h3" | "strong" }) {
  return <Tag class={`Polaris-Text--${variant}${tone ? ` Polaris-Text--${tone}` : ""}`}>{children}</Tag>;
}
