// Tables, pages and tabs in Polaris's shapes.
import type { ComponentChildren } from "preact";
import { useT } from "../i18n";

/** A table; `numeric[i]` right-aligns column i (Polaris's columnContentTypes "numeric"). */
export function DataTable({ headings, rows, numeric = [], caption }: { headings: string[]; rows: ComponentChildren[][]; numeric?: boolean[]; caption?: string }) {
  return (
    <div class="Polaris-DataTable">
      <table>
        {caption && <caption class="Polaris-Text--subdued">{caption}</caption>}
        <thead>
          <tr>
            {headings.map((heading, i) => (
              <th scope="col" class={numeric[i] ? "Polaris-DataTable--numeric" : undefined}>
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              {row.map((cell, i) => (
                <td class={numeric[i] ? "Polaris-DataTable--numeric" : undefined}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  const t = useT("common");
  return (
    <nav class="Polaris-Pagination" aria-label="Pagination">
      <button type="button" class="Polaris-Button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("previous")}
      </button>
      <span class="Polaris-Text--subdued">{t("page_of", { page, pages: Math.max(1, pages) })}</span>
      <button type="button" class="Polaris-Button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("next")}
      </button>
    </nav>
  );
}

export function Tabs({ tabs, selected, onSelect }: { tabs: { id: string; content: string }[]; selected: string; onSelect: (id: string) => void }) {
  return (
    <div class="Polaris-Tabs" role="tablist">
      {tabs.map((tab) => (
        <button type="button" role="tab" id={`tab-${tab.id}`} aria-selected={tab.id === selected} class={`Polaris-Tabs__Tab${tab.id === selected ? " Polaris-Tabs__Tab--selected" : ""}`} onClick={() => onSelect(tab.id)}>
          {tab.content}
        </button>
      ))}
    </div>
  );
}
