// The exports named in shopify.extension.toml (kebab-case there, camelCase here), as in
// Shopify's discount function template.
export * from "./cart_lines_discounts_generate_run";
export * from "./cart_delivery_options_discounts_generate_run";
