// "Earn 250 points with this purchase" in each product-points block the theme renders
// (`data-price-cents`: the price in the storefront's currency, in cents; `data-currency`). Themes
// rewrite the price when the shopper picks another variant: the block's attributes are watched.
import { signal, type Signal } from "@preact/signals";
import { render } from "preact";
import type { SurfacesModel } from "./model";
import { pointsForPrice, type PresentmentCurrency, type ProductPrice } from "./points-estimate";

function readPrice(block: Element): ProductPrice {
  const cents = block.getAttribute("data-price-cents");
  return { cents: cents === null || cents.trim() === "" ? NaN : Number(cents), currency: block.getAttribute("data-currency") };
}

export function mountProductPoints(model: SurfacesModel): void {
  for (const block of document.querySelectorAll(model.productPointsSelector)) {
    const price = signal(readPrice(block));
    new MutationObserver(() => (price.value = readPrice(block))).observe(block, { attributes: true, attributeFilter: ["data-price-cents", "data-currency"] });
    // The block's placeholder (if any) gives way to the widget's text, in the theme's own styles.
    block.textContent = "";
    render(<ProductPoints model={model} price={price} />, block);
  }
}

function ProductPoints({ model, price }: { model: SurfacesModel; price: Signal<ProductPrice> }) {
  const config = model.config.value;
  if (!config?.storefront?.surfaces.product_points || config.program?.enabled === false) return null;
  const points = pointsForPrice(price.value, config.earn.points_per_currency_unit, (window.Shopify as { currency?: PresentmentCurrency } | undefined)?.currency);
  if (points <= 0) return null;
  return <span class="loyalnest-product-points__text">{model.t.value("product_points", { count: points, points: model.pointsName.value(points) })}</span>;
}
