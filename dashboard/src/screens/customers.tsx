// Customers: the shop's customers found by name or exact email (or Shopify id), 50 a page over
// however many there are; each row opens the profile. The search and page live in the URL, so a
// reload or the back button returns to the same page of the same search.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { formatNumber } from "../format";
import { useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, setQuery } from "../router";
import { Button, Card, DataTable, EmptyState, FormLayout, LoadError, Page, Pagination, Spinner, Stack, Text, TextField } from "../ui";
import type { ScreenProps } from "./registry";
import { customerName, type CustomerListItem } from "./customer-view";

export const CUSTOMERS_PER_PAGE = 50;

interface CustomerPage {
  customers: CustomerListItem[];
  total: number;
  /** false: at least `total` match (the API counts a name's matches up to a bound). */
  total_exact: boolean;
  page: number;
  per_page: number;
}

export default function CustomersScreen({ query }: ScreenProps) {
  const t = useT("customers");
  const search = query.get("search") ?? "";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const [draft, setDraft] = useState(search);
  // Back and forward change the URL's search: the field follows.
  useEffect(() => setDraft(search), [search]);
  const list = useResource(() => api.get<CustomerPage>("/customers", { search, page, per_page: CUSTOMERS_PER_PAGE }), [search, page]);
  // With a bounded count there are pages past the last one counted: offer one more.
  const pages = list.data ? Math.ceil(list.data.total / CUSTOMERS_PER_PAGE) + (list.data.total_exact ? 0 : 1) : 1;
  const counted = list.data ? `${formatNumber(list.data.total)}${list.data.total_exact ? "" : "+"}` : "";

  return (
    <Page title={t("title")}>
      <Card>
        <Stack gap="300">
          <FormLayout onSubmit={() => setQuery({ search: draft.trim(), page: null })}>
            <Stack direction="row" gap="200" align="end">
              <TextField label={t("search_label")} type="search" name="search" value={draft} onChange={setDraft} helpText={t("search_help")} />
              <Button type="submit" variant="primary">
                {t("search_button")}
              </Button>
              {search && (
                <Button
                  onClick={() => {
                    setDraft("");
                    setQuery({ search: null, page: null });
                  }}
                >
                  {t("clear_search")}
                </Button>
              )}
            </Stack>
          </FormLayout>
          {list.error && <LoadError error={list.error} onRetry={() => void list.reload()} />}
          {list.loading && !list.data && <Spinner />}
          {list.data && (
            <>
              <Stack direction="row" gap="200" align="space-between">
                <Text tone="subdued">{search ? t("matches", { formatted: counted, search }) : t("count", { formatted: counted })}</Text>
                {list.loading && <Spinner />}
              </Stack>
              {list.data.customers.length === 0 ? (
                <EmptyState heading={search ? t("no_matches_heading") : t("empty_heading")}>{search ? t("no_matches_body") : t("empty_body")}</EmptyState>
              ) : (
                <DataTable
                  caption={t("table_caption")}
                  headings={[t("col_name"), t("col_email"), t("col_balance"), t("col_earned"), t("col_redeemed")]}
                  numeric={[false, false, true, true, true]}
                  rows={list.data.customers.map((c) => [
                    <Link to={`/customers/${c.id}`}>{customerName(c, t("unnamed", { id: c.id }))}</Link>,
                    c.email ?? "—",
                    formatNumber(c.points_balance),
                    formatNumber(c.total_points_earned),
                    formatNumber(c.total_points_redeemed),
                  ])}
                />
              )}
              {pages > 1 && <Pagination page={page} pages={pages} onPage={(next) => setQuery({ page: next === 1 ? null : next })} />}
            </>
          )}
        </Stack>
      </Card>
    </Page>
  );
}
